#!/bin/bash
# No undeclared host dependency can change a config: in the native build root
# (scripts/make-build-root: build-essential, dpkg-dev, ccache and exactly the
# Build-Depends of debian/control; mmdebstrap, cached in build/cache/),
# dpkg-checkbuilddeps is satisfied and every series' committed configs resolve
# unchanged. A pahole and a rustc planted in /usr/local/bin of that root must
# not reach the config either. The contrast, so that the check can fail: with
# the declared dwarves removed, the resolved config changes (PAHOLE_VERSION).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib.sh
. "$TOP/scripts/lib.sh"
load_series
cd "$TOP"

if [ "$(id -u)" != 0 ]; then
	skip "the build-dependency root" "building a root with mmdebstrap and chroot needs root"
	finish
fi
native=$(dpkg --print-architecture)
mapfile -t deps < <(build_depends debian/control)
if ! tarball=$(ARCH=$native scripts/make-build-root 2>"$TOP/build/build-deps-root.log"); then
	not_ok "mmdebstrap of the $native build root failed"
	tail -n 10 "$TOP/build/build-deps-root.log" | diag
	finish
fi
ok "the $native build root: build-essential, dpkg-dev and the ${#deps[@]} Build-Depends as apt resolves them (${tarball#"$TOP"/})"

# Every series' tree unpacked and patched on the host (tar and quilt change no
# config); the configs are resolved inside the root.
series=$(valid_names series.d)
for s in $series; do
	check "make prepare SERIES=$s" make -s prepare SERIES="$s"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
tar -xf "$tarball" -C "$root"
mkdir -p "$root/repo" "$root/build"
# in_root CMD...: CMD in the root, with the repository and build/ bind-mounted
# in a private mount namespace (gone when it exits; /dev and /proc too, for
# bash's process substitution) and a clean environment.
in_root() {
	# shellcheck disable=SC2016 # expanded by the inner shell, from its arguments
	unshare --mount --propagation private bash -c '
		mount --bind "$1" "$2/repo" && mount --bind "$3" "$2/build" &&
		mount --bind /dev "$2/dev" && mount -t proc proc "$2/proc" && shift 3 &&
		exec chroot "$0" env -i HOME=/root PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			BUILD_ROOT=/build LC_ALL=C.UTF-8 bash -c "cd /repo && $*"' "$root" "$TOP" "$root" "$TOP/build" "$@"
}
check "dpkg-checkbuilddeps: the root satisfies debian/control's Build-Depends and Build-Conflicts" in_root dpkg-checkbuilddeps
# A cross build asks for what only it needs (Debian's annotations: :native,
# <cross>, [arch]): from the native root, dpkg-checkbuilddeps -aarm64 -Pcross
# names the arm64 cross toolchain, the compat vDSO's compiler and the
# target's libc6-dev and libssl-dev, and nothing that the native build has.
cross_unmet() {
	in_root "dpkg-checkbuilddeps -aarm64 -Pcross 2>&1" | sed -n 's/.*Unmet build dependencies: //p' |
		tr ' ' '\n' | sed '/^$/d; /^(/d' | sort | tr '\n' ' '
}
# (dpkg names the target's libc6-dev and libssl-dev without :arm64; the
# root has the amd64 ones, so these are arm64's.)
want='binutils-aarch64-linux-gnu:native gcc-12-aarch64-linux-gnu gcc-12-arm-linux-gnueabihf libc6-dev libssl-dev '
got=$(cross_unmet || true)
if [ "$native" != amd64 ]; then
	skip "dpkg-checkbuilddeps -aarm64 -Pcross from the native root" "this machine is $native, the check is written for an amd64 build machine"
elif [ "$got" = "$want" ]; then
	ok "dpkg-checkbuilddeps -aarm64 -Pcross from the native root asks only for the cross build's: $got"
else
	not_ok "dpkg-checkbuilddeps -aarm64 -Pcross from the native root asks for '$got', expected '$want'"
fi
# The Build-Depends are those of a native build: this machine's architecture
# only (another one's configs need its cross compiler, which test 20 has).
for s in $series; do
	check "series $s: the committed $native configs resolve unchanged in the root" in_root "SERIES=$s ARCHES=$native scripts/update-configs --check"
done

# Tools found on a PATH must not matter: the kernel's make sees only packaged ones.
mkdir -p "$root/usr/local/bin"
printf '#!/bin/sh\necho v1.99\n' >"$root/usr/local/bin/pahole"
printf '#!/bin/sh\necho "rustc 1.99.0 (00000000 2099-01-01)"\n' >"$root/usr/local/bin/rustc"
chmod +x "$root/usr/local/bin/pahole" "$root/usr/local/bin/rustc"
# One profile is enough here: the probes are the same for every profile.
resolve_test_profile="SERIES=$SERIES PROFILE=test scripts/resolve-config /tmp/test.config >/dev/null && diff -u configs/$SERIES-test.config /tmp/test.config"
check "a pahole and a rustc in /usr/local/bin change no config ($SERIES, test profile)" in_root "$resolve_test_profile"
rm "$root/usr/local/bin/pahole" "$root/usr/local/bin/rustc"

# The contrast: without a declared dependency the check fails. pahole is
# dwarves' dependency in bookworm, the package that holds the binary.
if chroot "$root" dpkg --remove --force-depends dwarves pahole >/dev/null 2>&1 && [ ! -e "$root/usr/bin/pahole" ]; then
	expect_fail "without dwarves, dpkg-checkbuilddeps names it" "Unmet build dependencies: .*dwarves" in_root dpkg-checkbuilddeps
	expect_fail "... and the resolved config changes (CONFIG_PAHOLE_VERSION)" "^[-+]CONFIG_PAHOLE_VERSION=" in_root "$resolve_test_profile"
else
	not_ok "could not remove dwarves and pahole from the root for the contrast"
fi
finish
