#!/bin/bash
# ARCH=<another architecture> (make check ARCH=arm64): the cross build, as a
# user of that architecture gets it. make deb ARCH=arm64 PROFILE=test runs
# dpkg-buildpackage -aarm64 -Pcross in the build root; the debs must carry
# Debian's arm64 names and architecture, an arm64 kernel Image with signed
# modules and the device trees Debian's image ships, headers whose programs
# are arm64 binaries (built with the target compiler), the arm64 tools
# without the x86-only MSR ones, and pass lintian; this machine's dpkg must
# still know no foreign architecture.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_test_build
cd "$TOP"
build_arch=$(dpkg --print-architecture)
if [ "$ARCH" = "$build_arch" ]; then
	skip "the cross build" "ARCH=$ARCH is this machine's architecture (make check ARCH=arm64 runs it)"
	finish
fi
if [ "$(id -u)" != 0 ]; then
	skip "the cross build" "its build root needs root (chroot, bind mounts)"
	finish
fi
foreign_before=$(dpkg --print-foreign-architectures | paste -sd' ')

t0=$(date +%s)
check "make deb ARCH=$ARCH PROFILE=test (dpkg-buildpackage -a$ARCH -Pcross in the build root)" make -s deb
echo "# build took $(($(date +%s) - t0)) s"
if [ "$(dpkg --print-foreign-architectures | paste -sd' ')" = "$foreign_before" ]; then
	ok "this machine's dpkg architectures are unchanged (foreign: '${foreign_before}')"
else
	not_ok "the build changed this machine's dpkg architectures: '$(dpkg --print-foreign-architectures | paste -sd' ')', was '$foreign_before'"
fi

for p in "linux-image-$KREL" "linux-headers-$KREL" "linux-image-$META_NAME" "linux-headers-$META_NAME" linux-tickless-tools; do
	d=$(deb_path "$p")
	if [ -f "$d" ] && [ "$(dpkg-deb -f "$d" Package Version Architecture | paste -sd' ')" = "Package: $p Version: $PKG_VERSION Architecture: $ARCH" ]; then
		ok "package $p $PKG_VERSION $ARCH"
	else
		not_ok "package $p $PKG_VERSION $ARCH is missing or misnamed (${d#"$TOP"/})"
	fi
done
if ls "$OUT"/linux-tickless-dev_* >/dev/null 2>&1; then
	not_ok "linux-tickless-dev was built for $ARCH, which has no MSR system calls"
else
	ok "no linux-tickless-dev for $ARCH (the MSR system calls are x86 only)"
fi

image=$(deb_path "linux-image-$KREL")
[ -f "$image" ] || { not_ok "no image package to inspect"; finish; }
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$image" "$x/image"
dpkg-deb -x "$(deb_path "linux-headers-$KREL")" "$x/headers"
dpkg-deb -x "$(deb_path linux-tickless-tools)" "$x/tools"

# The ELF machine (e_machine, at byte 18) of a file: 183 is AArch64, 62 x86-64.
elf_machine() { [ "$(od -An -N4 -c "$1" | tr -d ' ')" = '177ELF' ] && od -An -j18 -N2 -tu2 "$1" | tr -d ' '; }
want_machine=$(case "$ARCH" in arm64) echo 183 ;; amd64) echo 62 ;; esac)
# arm64's boot Image: "ARM\x64" at byte 56 (Documentation/arch/arm64/booting.rst).
vmlinuz=$x/image/boot/vmlinuz-$KREL
if [ "$ARCH" = arm64 ] && [ "$(od -An -j56 -N4 -c "$vmlinuz" 2>/dev/null | tr -d ' ')" = 'ARMd' ]; then
	ok "/boot/vmlinuz-$KREL is an arm64 Image ($(stat -c %s "$vmlinuz") bytes)"
else
	not_ok "/boot/vmlinuz-$KREL is not an arm64 Image"
fi
# 6.12's configs compress modules (MODULE_COMPRESS_XZ) after signing them:
# the signature and the ELF header are inside.
mods=$(find "$x/image/lib/modules/$KREL" -name '*.ko' -o -name '*.ko.xz' | sort)
nmods=$(grep -c . <<<"$mods" || true)
unsigned=0 foreign=0
for m in $mods; do
	case $m in *.xz) xz -dc "$m" >"$x/module.ko" && m=$x/module.ko ;; esac
	tail -c 28 "$m" | grep -q '~Module signature appended~' || unsigned=$((unsigned + 1))
	[ "$(elf_machine "$m")" = "$want_machine" ] || foreign=$((foreign + 1))
done
if [ "$nmods" -gt 0 ] && [ "$unsigned" = 0 ] && [ "$foreign" = 0 ]; then
	ok "all $nmods modules are $ARCH objects and signed"
else
	not_ok "$nmods modules: $unsigned unsigned, $foreign not $ARCH objects"
fi
# Device trees: the same list as Debian's image of the config this profile
# starts from (BASE_CONFIG, config.<arch>_none_<flavour>), each one a
# flattened device tree (magic d00dfeed), and not none.
dtb_dir=usr/lib/linux-image-$KREL
ours=''
if [ -d "$x/image/$dtb_dir" ]; then
	ours=$(cd "$x/image/$dtb_dir" && find . -type f \( -name '*.dtb' -o -name '*.dtbo' \) | sort)
fi
notfdt=0
for d in $ours; do
	[ "$(od -An -N4 -tx1 "$x/image/$dtb_dir/$d" | tr -d ' ')" = d00dfeed ] || notfdt=$((notfdt + 1))
done
base_release=$VENDOR_ABI-${BASE_CONFIG#config."$ARCH"_none_}
stock_pkg=$(stock_image_package "$base_release")
mkdir "$x/stock"
if (cd "$x/stock" && foreign_apt "$ARCH" download "$stock_pkg=$VENDOR_VERSION" >/dev/null); then
	theirs=$(dpkg-deb --fsys-tarfile "$x"/stock/*.deb | tar -t | sed -n "s|^\./usr/lib/linux-image-$base_release/\(.*\.dtbo\{0,1\}\)\$|./\1|p" | sort)
	missing=$(comm -13 <(echo "$ours") <(echo "$theirs") | grep -c . || true)
	extra=$(comm -23 <(echo "$ours") <(echo "$theirs") | grep -c . || true)
	if [ -n "$ours" ] && [ "$missing" = 0 ] && [ "$extra" = 0 ] && [ "$notfdt" = 0 ]; then
		ok "/$dtb_dir: the $(grep -c . <<<"$ours") device trees of $stock_pkg $VENDOR_VERSION, each a flattened device tree"
	else
		not_ok "/$dtb_dir: $(grep -c . <<<"$ours") device trees ($notfdt not a device tree), $missing of $stock_pkg's missing, $extra more"
		{ comm -3 <(echo "$ours") <(echo "$theirs") | head -n 10; } | diag
	fi
else
	not_ok "cannot download $stock_pkg $VENDOR_VERSION ($ARCH) to compare its device trees: is Debian's archive reachable?"
fi
hdr=$x/headers/usr/src/linux-headers-$KREL
progs=$(find "$hdr/scripts" -type f -executable | while read -r f; do [ -z "$(elf_machine "$f")" ] || echo "$f"; done)
wrong=$(for f in $progs; do [ "$(elf_machine "$f")" = "$want_machine" ] || echo "${f#"$hdr"/}"; done)
for p in scripts/basic/fixdep scripts/mod/modpost scripts/sign-file scripts/genksyms/genksyms; do
	if [ "$(elf_machine "$hdr/$p" || true)" = "$want_machine" ]; then
		ok "headers: $p is an $ARCH program"
	else
		not_ok "headers: $p is missing or not an $ARCH program"
	fi
done
if [ -n "$progs" ] && [ -z "$wrong" ]; then
	ok "headers: all $(wc -w <<<"$progs") programs are $ARCH binaries"
else
	not_ok "headers: programs of another architecture: $(echo "$wrong" | paste -sd' ')"
fi
if grep -qx "CONFIG_NO_HZ_FULL_ALL=y" "$x/image/boot/config-$KREL" && ! grep -q '^CONFIG_X86_MSR_SYSCALLS' "$x/image/boot/config-$KREL"; then
	ok "config-$KREL: NO_HZ_FULL_ALL=y, no MSR system calls"
else
	not_ok "config-$KREL lacks NO_HZ_FULL_ALL=y or has an MSR system call option"
fi
for t in usr/bin/tickcheck usr/sbin/tickless-boot; do
	if [ "$(elf_machine "$x/tools/$t" || true)" = "$want_machine" ]; then ok "tools: /$t is an $ARCH program"; else not_ok "tools: /$t is missing or not an $ARCH program"; fi
done
if [ -z "$(find "$x/tools" -name 'rdmsr-batch*' -o -name 'msr-bench*')" ]; then
	ok "tools: no rdmsr-batch or msr-bench (x86 only)"
else
	not_ok "tools: the x86-only MSR tools are in the $ARCH package"
fi

changes=("$OUT"/*_"$PKG_VERSION"_"$ARCH".changes)
if [ "${#changes[@]}" = 1 ] && [ -f "${changes[0]}" ]; then
	rc=0
	lint=$(lintian --no-cfg --fail-on error --suppress-tags-from-file "$TOP/tests/lintian-suppressions" "${changes[0]}" 2>&1) || rc=$?
	if [ "$rc" = 0 ] && ! grep -q '^E: ' <<<"$lint"; then
		ok "lintian on ${changes[0]##*/}: no errors ($(grep -c '^W: ' <<<"$lint" || true) warnings)"
	else
		not_ok "lintian on ${changes[0]##*/}: exit status $rc"
		grep -E '^(E|W): ' <<<"$lint" | head -n 20 | diag
	fi
else
	not_ok "lintian: no single ${OUT#"$TOP"/}/*_${PKG_VERSION}_$ARCH.changes to check"
fi
finish
