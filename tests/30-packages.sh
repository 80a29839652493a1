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
# The rule: nothing of the system's own headers (linux-libc-dev, libc6-dev) is
# shipped or replaced; linux-tickless-dev's headers go beside them. Listings are
# captured whole first: grep -q on a pipe would stop dpkg-deb with SIGPIPE.
system_files=$(dpkg -L linux-libc-dev libc6-dev | sort -u)
# The files of the debs $@ that linux-libc-dev or libc6-dev also ship.
system_clash() {
	local listing
	listing=$(for d in "$@"; do dpkg-deb -c "$d" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }'; done | sort -u)
	[ -n "$listing" ] || { echo "(no files listed)"; return; }
	comm -12 <(echo "$listing") <(echo "$system_files")
}
clash=$(system_clash "$OUT"/*.deb)
if ls "$OUT"/linux-libc-dev* >/dev/null 2>&1 || [ -n "$clash" ]; then
	not_ok "a package replaces linux-libc-dev or ships a file of linux-libc-dev/libc6-dev"
	echo "$clash" | head -n 10 | diag
else
	ok "no package replaces linux-libc-dev or ships any of its or libc6-dev's $(echo "$system_files" | wc -l) files"
fi
# The contrast: a package that ships one of linux-libc-dev's headers is caught.
fake=$(mktemp -d)
mkdir -p "$fake/pkg/DEBIAN" "$fake/pkg/usr/include/linux"
printf 'Package: clash\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: t\n' >"$fake/pkg/DEBIAN/control"
: >"$fake/pkg/usr/include/linux/types.h"
dpkg-deb -b "$fake/pkg" "$fake/clash.deb" >/dev/null
if [ "$(system_clash "$fake/clash.deb")" = /usr/include/linux/types.h ]; then
	ok "... a deb shipping /usr/include/linux/types.h would be caught"
else
	not_ok "the system-header check misses a deb that ships /usr/include/linux/types.h"
fi
rm -rf "$fake"

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
# run-parts commands of a maintainer script, continuation lines joined and
# comments left out, so that a comment naming the directory cannot pass.
run_parts_lines() { sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$1" 2>/dev/null | grep -v '^[[:space:]]*#' | grep 'run-parts' || true; }
for s in preinst postinst prerm postrm; do
	if run_parts_lines "$x/image-control/$s" | grep -q "[[:space:]]/etc/kernel/$s\.d\([[:space:]]\|$\)"; then
		ok "image $s runs /etc/kernel/$s.d"
	else
		not_ok "image $s does not run /etc/kernel/$s.d"
	fi
done
if run_parts_lines "$x/headers-control/postinst" | grep -q "[[:space:]]/etc/kernel/header_postinst\.d\([[:space:]]\|$\)"; then
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
	if grep -q " \./$f\$" <<<"$tools"; then ok "linux-tickless-tools ships /$f"; else not_ok "linux-tickless-tools lacks /$f"; fi
done
# linux-tickless-dev: Krun's header and the uapi header, beside linux-libc-dev's files, never over them.
dev=$(dpkg-deb -c "$(deb_path linux-tickless-dev)" 2>/dev/null || true)
for f in usr/include/x86_64-linux-gnu/sys/krun-syscall.h usr/include/x86_64-linux-gnu/asm/msr_batch.h \
	usr/include/msrbatch.h usr/lib/x86_64-linux-gnu/libmsrbatch.a; do
	if grep -q " \./$f\$" <<<"$dev"; then ok "linux-tickless-dev ships /$f"; else not_ok "linux-tickless-dev lacks /$f"; fi
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

# lintian must have run, on this build's one .changes: exit 0 (no errors),
# 1 (errors); anything else, or no .changes, is a failure to check.
changes=("$OUT"/*_"$PKG_VERSION"_amd64.changes)
if [ "${#changes[@]}" != 1 ] || [ ! -f "${changes[0]}" ]; then
	not_ok "lintian: no single ${OUT#"$TOP"/}/*_${PKG_VERSION}_amd64.changes to check (${changes[*]})"
else
	rc=0
	lint=$(lintian --no-cfg --fail-on error --suppress-tags-from-file "$TOP/tests/lintian-suppressions" "${changes[0]}" 2>&1) || rc=$?
	errors=$(echo "$lint" | grep -c '^E: ' || true)
	checked=$(grep -c '\.deb$' <(sed -n '/^Files:/,$p' "${changes[0]}") || true)
	if [ "$rc" = 0 ] && [ "$errors" = 0 ]; then
		ok "lintian on ${changes[0]##*/} ($checked debs): no errors ($(echo "$lint" | grep -c '^W: ' || true) warnings)"
	elif [ "$rc" = 1 ] || [ "$errors" != 0 ]; then
		not_ok "lintian: $errors errors"
		echo "$lint" | grep '^E: ' | head -n 20 | diag
	else
		not_ok "lintian did not run (exit status $rc)"
		echo "$lint" | tail -n 5 | diag
	fi
fi
finish
