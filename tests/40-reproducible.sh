#!/bin/bash
# Two builds of one commit with one signing key give the same vmlinuz: the
# second builds the test profile again in a separate object directory (ccache
# makes it cheaper, nothing is shared with the first build's objects) with the
# key the first build generated, and the two bzImages must be byte-identical.
# That key goes in where kbuild generates its own, with kbuild's record of that
# step so that it is kept: through SIGNING_KEY its path would be in .config,
# hence in every object's autoconf.h, and ccache's direct mode would miss on
# every file (on 2 cores: 17 to 25 min against 15; the rest is kbuild's own
# per-object work, genksyms and objtool, which ccache does not cache).
# SIGNING_KEY is then checked by two incremental builds of that tree (kbuild
# recompiles only what uses CONFIG_MODULE_SIG_KEY): another key must change the
# bzImage, and the first build's key through SIGNING_KEY must give it back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib.sh
. "$TOP/scripts/lib.sh"
export PROFILE=test
load_series
load_profile
first=$OBJ_DIR
key=$first/certs/signing_key.pem
if [ ! -f "$first/arch/x86/boot/bzImage" ] || [ ! -f "$key" ]; then
	not_ok "no first build of the test profile in ${first#"$TOP"/} (run tests/30-packages.sh first)"
	finish
fi
second=$SERIES_DIR/obj-$PROFILE-rebuild
rm -rf "$second"
mkdir -p "$second/certs"
cp -p "$first/certs/"{signing_key.pem,x509.genkey,.signing_key.pem.cmd} "$second/certs/"
# build_second [KEY]: build (again) in the second tree, signing with KEY through SIGNING_KEY.
build_second() { OBJ_DIR="$second" SIGNING_KEY=${1:-} "$TOP/scripts/build-kernel" "$SERIES_DIR/$PROFILE.config"; }
same_bzimage() { cmp "$first/arch/x86/boot/bzImage" "$second/arch/x86/boot/bzImage"; }
other_bzimage() { ! cmp -s "$first/arch/x86/boot/bzImage" "$second/arch/x86/boot/bzImage"; }
t0=$(date +%s)
check "second build in ${second#"$TOP"/} with the first build's key" build_second
echo "# second build took $(($(date +%s) - t0)) s"
check "... which kept that key" cmp "$key" "$second/certs/signing_key.pem"
check "both builds produce the same bzImage" same_bzimage

other=$SERIES_DIR/other-signing-key.pem
check "another key, made as kbuild makes its own (openssl req, the tree's x509.genkey)" \
	openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 -config "$first/certs/x509.genkey" \
	-outform PEM -out "$other" -keyout "$other"
t0=$(date +%s)
check "SIGNING_KEY=<another key>: incremental build" build_second "$other"
check "... gives another bzImage (the key is built in)" other_bzimage
check "SIGNING_KEY=<the first build's key>: incremental build" build_second "$key"
check "... gives the first build's bzImage" same_bzimage
echo "# two SIGNING_KEY builds took $(($(date +%s) - t0)) s"
rm -rf "$second" "$other"
finish
