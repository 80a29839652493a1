#!/bin/bash
# Two builds of one commit with one signing key give the same vmlinuz: the
# second builds the test profile again in a separate object directory (ccache
# makes it cheaper, nothing is shared with the first build's objects) with the
# key the first build generated, and the two bzImages must be byte-identical.
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
t0=$(date +%s)
check "second build in ${second#"$TOP"/} with the first build's key" \
	env OBJ_DIR="$second" SIGNING_KEY="$key" "$TOP/scripts/build-kernel" "$SERIES_DIR/$PROFILE.config"
echo "# second build took $(($(date +%s) - t0)) s"
check "both builds produce the same bzImage" cmp "$first/arch/x86/boot/bzImage" "$second/arch/x86/boot/bzImage"
rm -rf "$second"
finish
