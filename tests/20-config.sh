#!/bin/bash
# Config: every profile resolves with every fragment setting landed, configs/
# matches what the fragments and the pinned vendor config produce, and bad
# input (fragment line, impossible setting, profile, series, vendor version)
# is refused with a message naming the problem and the fix.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"

check "make prepare (unpack + patch stack)" make -s prepare
check "configs/ in sync; landing check passes on every profile and architecture" scripts/update-configs --check
# arm64 is cross-resolved: what Debian's own arm64 configs have must survive,
# the compat vDSO (built by the armhf compiler) among them, and the x86-only
# MSR system calls must not be asked for.
for p in production test; do
	c=configs/$SERIES-$p-arm64.config
	if grep -qx 'CONFIG_NO_HZ_FULL_ALL=y' "$c" && grep -qx 'CONFIG_COMPAT_VDSO=y' "$c" && ! grep -q '^CONFIG_X86_MSR_SYSCALLS' "$c"; then
		ok "$c: CONFIG_NO_HZ_FULL_ALL=y and Debian's CONFIG_COMPAT_VDSO=y, no MSR system calls"
	else
		not_ok "$c lacks CONFIG_NO_HZ_FULL_ALL=y or CONFIG_COMPAT_VDSO=y, or has CONFIG_X86_MSR_SYSCALLS"
	fi
done
# The rest tests the scripts' handling of bad input, the same for every
# series: tests/run leaves it out (LIGHT=1) for a series other than the one under test.
if [ "${LIGHT:-0}" = 1 ]; then finish; fi

copy=$(repo_copy)
work=$(mktemp -d)
trap 'rm -rf "$copy" "$work"' EXIT
frag=$copy/kconfig-fragments/tickless.config
cp "$frag" "$work/good"

echo "CONFIG_NO_HZ_FULL" >>"$frag"
line=$(wc -l <"$frag")
expect_fail "a fragment line that is no setting is refused with file:line" \
	"kconfig-fragments/tickless.config:$line: not a Kconfig setting" \
	env BUILD_ROOT="$TOP/build" PROFILE=test "$copy/scripts/resolve-config" "$work/out.config"
if [ ! -e "$work/out.config" ]; then ok "no config written after a refused fragment"; else not_ok "a config was written after a refused fragment"; fi

cp "$work/good" "$frag"
printf '# deliberately impossible: HZ is derived from the HZ_* choice\nCONFIG_HZ=99\n' >>"$frag"
line=$(wc -l <"$frag")
expect_fail "a setting Kconfig drops is listed as file:line SYMBOL wanted=X got=Y" \
	"kconfig-fragments/tickless.config:$line CONFIG_HZ wanted=99 got=250" \
	env BUILD_ROOT="$TOP/build" PROFILE=test "$copy/scripts/resolve-config" "$work/out.config"

cp "$work/good" "$frag"
printf '# a symbol no Kconfig defines\n# CONFIG_TICKLESS_NO_SUCH_SYMBOL is not set\n' >>"$frag"
line=$(wc -l <"$frag")
out=$(BUILD_ROOT="$TOP/build" PROFILE=test "$copy/scripts/resolve-config" "$work/out.config" 2>&1) || true
if grep -q "warning: kconfig-fragments/tickless.config:$line: CONFIG_TICKLESS_NO_SUCH_SYMBOL is not defined" <<<"$out"; then
	ok "an unknown symbol is warned about with file:line"
else
	not_ok "no file:line warning for an unknown symbol"
	echo "$out" | tail -n 5 | diag
fi

expect_fail "an unknown profile lists the valid ones" "unknown profile 'nosuch': valid profiles are production test" \
	env PROFILE=nosuch scripts/resolve-config "$work/x"
expect_fail "an unknown series lists the valid ones" "unknown series '9.9': valid series are 6.1" \
	env SERIES=9.9 scripts/check-vendor
expect_fail "an unknown architecture lists the valid ones" "unknown architecture 'x86_64': valid architectures are amd64 arm64 " \
	env ARCH=x86_64 scripts/check-vendor
cp "$copy/kconfig-fragments/order" "$work/order"
echo "tickless.config # only: armel" >>"$copy/kconfig-fragments/order"
line=$(wc -l <"$copy/kconfig-fragments/order")
expect_fail "an '# only:' word that names nothing is refused with file:line" \
	"kconfig-fragments/order:$line: \"# only: armel\" names no series, architecture or profile" \
	env BUILD_ROOT="$TOP/build" PROFILE=test "$copy/scripts/resolve-config" "$work/out.config"
cp "$work/order" "$copy/kconfig-fragments/order"
# In the template too: a series other than the default renders its control from it.
sed -i 's/^Build-Depends: debhelper-compat (= 13),$/&\n               tickless-no-such-package,/' \
	"$copy/debian/control" "$copy/debian/templates/control.in"
# The native build's check, also in the cross suite (ARCH=arm64): a cross
# build's dependencies are its build root's, resolved when the root is made
# (test 22 checks what dpkg-checkbuilddeps -a asks for there).
expect_fail "a missing build dependency is named, with the fix" \
	"missing build dependencies: tickless-no-such-package: run 'sudo make deps'" \
	env ARCH="$(dpkg --print-architecture)" BUILD_ROOT="$TOP/build" "$copy/scripts/build-debs"
mv "$copy/configs/vendor/$SERIES/config.amd64_none_amd64" "$work/vendor-config"
expect_fail "a missing Debian config of the pin is named, with the fix" \
	"configs/vendor/$SERIES/config.amd64_none_amd64 is missing .*restore it with git" \
	"$copy/scripts/check-vendor"
mv "$work/vendor-config" "$copy/configs/vendor/$SERIES/config.amd64_none_amd64"
sed -i 's/^VENDOR_VERSION=.*/VENDOR_VERSION=6.1.0-0/' "$copy/series.d/$SERIES"
expect_fail "another installed vendor version is refused, naming both and the fix" \
	"linux-source-$SERIES [^ ]+ is installed but series.d/$SERIES pins 6.1.0-0: run 'apt-get install linux-source-$SERIES=6.1.0-0'" \
	"$copy/scripts/check-vendor"
finish
