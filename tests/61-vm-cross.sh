#!/bin/bash
# ARCH=<another architecture> (make check ARCH=arm64): the cross-built debs
# booted as a user of that architecture boots them. A Debian 12 arm64 disk
# (scripts/make-vm-image: mmdebstrap --arch=arm64, GRUB EFI on an ESP) under
# qemu-system-aarch64 with UEFI (AAVMF), TCG, 2 vCPUs; our debs on a second
# disk. tests/vm/step, PHASE=arm64: dpkg -i in the VM, the stock kernel ticks
# on CPU 1 (the contrast), tickless-boot once, ours boots with CPU 1
# tickless and builds and loads a module against its headers, then GRUB
# falls back to stock.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_test_build
if [ "$ARCH" = "$(dpkg --print-architecture)" ]; then
	skip "the $ARCH VM" "ARCH=$ARCH is this machine's architecture: tests/60-vm.sh boots it (make check ARCH=arm64 runs this)"
	finish
fi
if [ "$(id -u)" != 0 ]; then
	skip "the $ARCH VM" "building its disk needs root (loop devices, mount)"
	finish
fi
debs=("$(deb_path "linux-image-$KREL")" "$(deb_path "linux-headers-$KREL")"
	"$(deb_path linux-tickless-tools)" "$(deb_path "linux-image-$META_NAME")")
for d in "${debs[@]}"; do
	if [ ! -f "$d" ]; then
		not_ok "no ${d#"$TOP"/} (run tests/31-cross-packages.sh first)"
		finish
	fi
done
t0=$(date +%s)
if ! img=$("$TOP/scripts/make-vm-image" 2>"$SERIES_DIR/vm-image-$ARCH.log"); then
	not_ok "the $ARCH VM image could not be made: see ${SERIES_DIR#"$TOP"/}/vm-image-$ARCH.log"
	tail -n 10 "$SERIES_DIR/vm-image-$ARCH.log" | diag
	finish
fi
echo "# VM image: ${img#"$TOP"/} ($(($(date +%s) - t0)) s)"
run=$SERIES_DIR/vm-run$NAME_SUFFIX
rm -rf "$run"
mkdir -p "$run/payload/debs"
qemu-img create -q -f qcow2 -F raw -b "$img" "$run/disk.qcow2"
cp "${debs[@]}" "$run/payload/debs/"
cp "$TOP/tests/vm/step" "$run/payload/"
printf 'KREL=%s\nMETA=%s\nSTOCK_TICKS_NOHZ_FULL=%s\nPHASE=arm64\nACCEL=tcg\n' "$KREL" "linux-image-$META_NAME" \
	"$STOCK_TICKS_NOHZ_FULL" >"$run/payload/env"
truncate -s 1G "$run/payload.img"
mkfs.ext4 -q -L tickless-payload -d "$run/payload" "$run/payload.img"

t0=$(date +%s)
set +e
VM_SMP=2 "$TOP/scripts/run-vm" "$run/disk.qcow2" "$run/payload.img" "$run/console.log" 2400
status=$?
set -e
echo "# VM run ($ARCH, TCG, 2 vCPUs): $(($(date +%s) - t0)) s, qemu exit status $status"
# Read whole first: grep -q on a pipe would stop tr with SIGPIPE.
console=$(tr -d '\r' <"$run/console.log")
sed -n 's/^TICKLESS-TAP //p' <<<"$console"
if grep -q '^TICKLESS-TAP not ok' <<<"$console"; then FAILED=1; fi
if grep -q '^TICKLESS-DONE' <<<"$console"; then
	ok "the $ARCH VM ran all its boots and powered off"
else
	not_ok "the $ARCH VM did not finish (status $status: timeout, panic or hang): see ${run#"$TOP"/}/console.log"
	tail -n 15 <<<"$console" | diag
fi
finish
