#!/bin/bash
# Installs the test-profile packages into a Debian 12 root (the test VM's) the way a
# user does (dpkg -i, real maintainer scripts, initramfs-tools hook), builds an
# out-of-tree module against the installed headers, then purges and checks
# that nothing of the kernel release is left behind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_test_build
image=$(deb_path "linux-image-$KREL")
headers=$(deb_path "linux-headers-$KREL")
if [ ! -f "$image" ] || [ ! -f "$headers" ]; then
	not_ok "no packages in ${OUT#"$TOP"/} (run tests/30-packages.sh first)"
	finish
fi

tarball=$("$TOP/scripts/make-vm-image" --rootfs)
root=$(mktemp -d)
# The root has the host's /dev bind-mounted: it is deleted only once nothing
# is mounted under it, and never across a file system boundary.
cleanup() {
	local m busy=''
	for m in dev/pts dev proc sys; do
		if mountpoint -q "$root/$m"; then umount "$root/$m" || umount -l "$root/$m" || true; fi
	done
	for m in dev/pts dev proc sys; do
		if mountpoint -q "$root/$m"; then busy+=" $root/$m"; fi
	done
	if [ -n "$busy" ]; then
		echo "# still mounted:$busy; $root is left in place (unmount it, then remove it)"
		return 0
	fi
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -xf "$tarball" -C "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mkdir -p "$root/tmp/debs"
cp "$image" "$headers" "$root/tmp/debs/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

check "dpkg -i linux-image-$KREL linux-headers-$KREL" in_root dpkg -i "/tmp/debs/${image##*/}" "/tmp/debs/${headers##*/}"
if [ -s "$root/boot/initrd.img-$KREL" ]; then ok "postinst.d made /boot/initrd.img-$KREL"; else not_ok "no /boot/initrd.img-$KREL"; fi
if [ -s "$root/lib/modules/$KREL/modules.dep" ]; then ok "postinst ran depmod"; else not_ok "no modules.dep"; fi

mkdir -p "$root/tmp/hello"
cat >"$root/tmp/hello/hello.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
static int __init hello_init(void) { return 0; }
static void __exit hello_exit(void) { }
module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
C
echo 'obj-m := hello.o' >"$root/tmp/hello/Kbuild"
check "an out-of-tree module builds against /lib/modules/$KREL/build" \
	in_root make -C "/lib/modules/$KREL/build" M=/tmp/hello modules
vermagic=$(in_root modinfo -F vermagic /tmp/hello/hello.ko 2>/dev/null || true)
case "$vermagic" in
"$KREL "*) ok "the module's vermagic is $KREL" ;;
*) not_ok "the module's vermagic is '$vermagic'" ;;
esac

check "dpkg --purge both packages" in_root dpkg --purge "linux-headers-$KREL" "linux-image-$KREL"
left=$(cd "$root" && { find boot lib/modules usr/src -name "*$KREL*" 2>/dev/null || true; })
if [ -z "$left" ]; then ok "nothing of $KREL is left under /boot, /lib/modules, /usr/src"; else
	not_ok "left behind after purge"
	echo "$left" | diag
fi
finish
