#!/bin/bash
# Builds the test profile with the real Debian build (make deb ->
# dpkg-buildpackage) and inspects what a user would install: package names and
# versions, the files of the image and headers, signed modules, maintainer
# scripts that run the /etc/kernel hooks, lintian.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_test_build
cd "$TOP"

t0=$(date +%s)
check "make deb PROFILE=test (dpkg-buildpackage -us -uc -b)" make -s deb
echo "# build took $(($(date +%s) - t0)) s"

image=$(deb_path "linux-image-$KREL")
headers=$(deb_path "linux-headers-$KREL")
for p in "linux-image-$KREL" "linux-headers-$KREL" "linux-image-$META_NAME" "linux-headers-$META_NAME" linux-tickless-tools linux-tickless-dev; do
	if [ -f "$(deb_path "$p")" ] && [ "$(dpkg-deb -f "$(deb_path "$p")" Package Version | paste -sd' ')" = "Package: $p Version: $PKG_VERSION" ]; then
		ok "package $p $PKG_VERSION"
	else
		not_ok "package $p $PKG_VERSION is missing or misnamed"
	fi
done
if ls "$OUT"/linux-libc-dev* >/dev/null 2>&1 || for d in "$OUT"/*.deb; do dpkg-deb -c "$d"; done | grep -q ' \./usr/include/'; then
	not_ok "a package ships linux-libc-dev or /usr/include"
else
	ok "no package replaces linux-libc-dev or ships /usr/include"
fi

[ -f "$image" ] || { not_ok "no image package to inspect"; finish; }
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$image" "$x/image"
dpkg-deb -e "$image" "$x/image-control"
dpkg-deb -x "$headers" "$x/headers"
dpkg-deb -e "$headers" "$x/headers-control"

for f in "vmlinuz-$KREL" "System.map-$KREL" "config-$KREL"; do
	if [ -s "$x/image/boot/$f" ]; then ok "image ships /boot/$f"; else not_ok "image lacks /boot/$f"; fi
done
check "/boot/config-$KREL is the committed configs/$SERIES-$PROFILE.config" \
	diff -u "configs/$SERIES-$PROFILE.config" "$x/image/boot/config-$KREL"
# The banner in the bzImage's setup code: release, then uname -v.
banner=$(strings -n 20 "$x/image/boot/vmlinuz-$KREL" | grep -m 1 "^$KREL (" || true)
case "$banner" in
"$KREL "*" $PKG_VERSION ("*")") ok "vmlinuz identifies as $KREL, built for $PKG_VERSION" ;;
*) not_ok "vmlinuz banner: $banner" ;;
esac
# Debian's 6.12 config compresses modules (MODULE_COMPRESS_XZ), after signing.
mapfile -t mods < <(find "$x/image/lib/modules/$KREL" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst')
unsigned=0
for m in "${mods[@]}"; do
	case "$m" in
	*.xz) xz -dc "$m" ;;
	*.zst) zstd -qdc "$m" ;;
	*) cat "$m" ;;
	esac | tail -c 28 | grep -q '~Module signature appended~' || unsigned=$((unsigned + 1))
done
if [ "${#mods[@]}" -gt 0 ] && [ "$unsigned" = 0 ]; then
	ok "all ${#mods[@]} modules in /lib/modules/$KREL are signed"
else
	not_ok "${#mods[@]} modules, $unsigned unsigned"
fi
for s in preinst postinst prerm postrm; do
	if grep -q "/etc/kernel/$s.d" "$x/image-control/$s" 2>/dev/null; then
		ok "image $s runs /etc/kernel/$s.d"
	else
		not_ok "image $s does not run /etc/kernel/$s.d"
	fi
done
if grep -q /etc/kernel/header_postinst.d "$x/headers-control/postinst"; then
	ok "headers postinst runs /etc/kernel/header_postinst.d"
else
	not_ok "headers postinst does not run /etc/kernel/header_postinst.d"
fi

link=$(readlink "$x/headers/lib/modules/$KREL/build" || true)
if [ "$link" = "/usr/src/linux-headers-$KREL" ] && [ -f "$x/headers$link/Makefile" ] && [ -f "$x/headers$link/.config" ] &&
	[ -f "$x/headers$link/Module.symvers" ] && [ -x "$x/headers$link/scripts/mod/modpost" ]; then
	ok "headers: build link resolves to a tree with Makefile, .config, Module.symvers, modpost"
else
	not_ok "headers: build link '$link' does not resolve to a usable tree"
fi
if [ -e "$x/headers$link/certs/signing_key.pem" ] || grep -rqs -- '-----BEGIN PRIVATE KEY-----' "$x/image" "$x/headers"; then
	not_ok "a package ships the module-signing private key"
else
	ok "no package ships the module-signing private key"
fi
tools=$(dpkg-deb -c "$(deb_path linux-tickless-tools)" 2>/dev/null || true)
for f in usr/bin/tickcheck usr/share/man/man8/tickcheck.8.gz usr/sbin/tickless-boot usr/share/man/man8/tickless-boot.8.gz \
	usr/sbin/rdmsr-batch usr/share/man/man8/rdmsr-batch.8.gz usr/sbin/msr-bench usr/share/man/man8/msr-bench.8.gz; do
	if echo "$tools" | grep -q " \./$f\$"; then ok "linux-tickless-tools ships /$f"; else not_ok "linux-tickless-tools lacks /$f"; fi
done
# linux-tickless-dev: Krun's header and the uapi header, beside linux-libc-dev's files, never over them.
dev=$(dpkg-deb -c "$(deb_path linux-tickless-dev)" 2>/dev/null || true)
for f in usr/include/x86_64-linux-gnu/sys/krun-syscall.h usr/include/x86_64-linux-gnu/asm/msr_batch.h \
	usr/include/msrbatch.h usr/lib/x86_64-linux-gnu/libmsrbatch.a; do
	if echo "$dev" | grep -q " \./$f\$"; then ok "linux-tickless-dev ships /$f"; else not_ok "linux-tickless-dev lacks /$f"; fi
done
clash=$(echo "$dev" | awk '$NF !~ /\/$/ { sub("^\\./", "/", $NF); print $NF }' | while read -r f; do
	dpkg -S "$f" 2>/dev/null | grep -v '^linux-tickless-dev:' || true; done)
if [ -z "$clash" ]; then ok "no file of linux-tickless-dev belongs to an installed package (linux-libc-dev, libc6-dev)"; else
	not_ok "linux-tickless-dev files clash with installed packages"
	echo "$clash" | diag
fi
meta=$(dpkg-deb -f "$(deb_path "linux-image-$META_NAME")" Depends)
case "$meta" in
*"linux-image-$KREL (= $PKG_VERSION)"*) ok "linux-image-$META_NAME depends on linux-image-$KREL (= $PKG_VERSION)" ;;
*) not_ok "linux-image-$META_NAME Depends: $meta" ;;
esac

lint=$(lintian --no-cfg --fail-on none --suppress-tags-from-file "$TOP/tests/lintian-suppressions" "$OUT"/*.changes 2>&1 || true)
errors=$(echo "$lint" | grep -c '^E: ' || true)
if [ "$errors" = 0 ]; then
	ok "lintian: no errors ($(echo "$lint" | grep -c '^W: ' || true) warnings)"
else
	not_ok "lintian: $errors errors"
	echo "$lint" | grep '^E: ' | head -n 20 | diag
fi
finish
