#!/bin/bash
# The C tools on the host: built with -Wall -Wextra -Werror, unit tests under
# ASan/UBSan, and tickcheck's command line: bad flags are refused with exit 2,
# and the tick limit decides the exit status. This host kernel has no
# nohz_full, so its CPUs tick: a zero limit must fail, a generous one pass.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP/tools"

check "tools build with -Wall -Wextra -Werror" make -s clean all
check "tools unit tests under ASan/UBSan" make -s check

tc=$TOP/tools/tickcheck/tickcheck
expect_fail "tickcheck refuses a bad duration" "bad --duration '1x'" "$tc" -D 1x
expect_fail "tickcheck refuses a CPU that does not exist" "CPU 9999 in '9999' does not exist" "$tc" -c 9999
expect_fail "tickcheck refuses a bad limit" "bad --max-ticks-per-sec 'x'" "$tc" -m x
set +e
"$tc" -c 0 -D 1 -W 0.2 -m 0 -q >/dev/null 2>&1
zero=$?
"$tc" -c 0 -D 1 -W 0.2 -m 100000 -q --json "$TOP/tools/tests/out.json" >/dev/null 2>&1
generous=$?
set -e
if [ "$zero" = 1 ]; then ok "tickcheck exits 1 when a ticking CPU exceeds -m 0"; else not_ok "tickcheck -m 0 on a ticking CPU exited $zero"; fi
if [ "$generous" = 0 ]; then ok "tickcheck exits 0 within a generous limit"; else not_ok "tickcheck -m 100000 exited $generous"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["file_version"]==1 and d["cpu"]["0"]["loc"]>0' \
	"$TOP/tools/tests/out.json" 2>/dev/null; then
	ok "tickcheck --json writes the envelope and sees CPU 0's ticks"
else
	not_ok "tickcheck --json output is not what was expected"
fi
rm -f "$TOP/tools/tests/out.json"

# tickless-boot against a fake root: the grub.cfg Debian's update-grub wrote in
# the test VM, and stub GRUB tools on PATH that log their arguments.
tb=$TOP/tools/tickless-boot/tickless-boot
fake=$(mktemp -d)
chmod 755 "$fake"
trap 'rm -rf "$fake"' EXIT
root=$fake/root
mkdir -p "$root/boot/grub" "$fake/bin"
cp "$TOP/tools/tests/fixtures/grub-debian12.cfg" "$root/boot/grub/grub.cfg"
sub=gnulinux-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb
stock="$sub>gnulinux-6.1.0-56-amd64-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb"
ours="$sub>gnulinux-6.1.0-56-tickless-amd64-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb"
printf 'saved_entry=%s\n' "$stock" >"$root/boot/grub/grubenv"
touch "$root/boot/vmlinuz-6.1.0-56-amd64" "$root/boot/vmlinuz-6.1.0-56-tickless-amd64"
for t in update-grub grub-set-default grub-reboot grub-editenv; do
	# shellcheck disable=SC2016 # $* and $FAIL belong to the stub
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n[ "${FAIL:-}" != %s ]\n' "$t" "$fake" "$t" >"$fake/bin/$t"
	chmod +x "$fake/bin/$t"
done
tbr() { PATH="$fake/bin:$PATH" "$tb" --root "$root" "$@"; }
calls() {
	sed 's/ *$//' "$fake/calls" 2>/dev/null || true
	rm -f "$fake/calls"
}

if tbr list | grep -q '^\*  6\.1\.0-56-amd64 '; then ok "tickless-boot list marks the saved default"; else not_ok "tickless-boot list does not mark the stock default"; fi
tbr once >/dev/null || true
if [ "$(calls)" = "grub-reboot $ours" ]; then ok "once: grub-reboot of the tickless submenu entry, nothing else"; else not_ok "once ran something else"; fi
tbr --dry-run default >/dev/null || true
if [ -z "$(calls)" ] && [ ! -e "$root/etc/default/grub.d/zz-tickless-boot.cfg" ]; then ok "--dry-run changes nothing"; else not_ok "--dry-run changed something"; fi
tbr default >/dev/null || true
if [ "$(calls | paste -sd';')" = "update-grub;grub-set-default $ours" ] &&
	grep -qx 'GRUB_DEFAULT=saved' "$root/etc/default/grub.d/zz-tickless-boot.cfg"; then
	ok "default: drop-in with GRUB_DEFAULT=saved, update-grub, grub-set-default"
else
	not_ok "default did not write the drop-in and set the entry"
fi
tbr revert >/dev/null || true
if [ "$(calls | paste -sd';')" = "update-grub;grub-set-default $stock" ] &&
	[ ! -e "$root/etc/default/grub.d/zz-tickless-boot.cfg" ] && [ ! -e "$root/var/lib/tickless-boot/previous-default" ]; then
	ok "revert: drop-in gone, the previous saved default restored"
else
	not_ok "revert did not restore the previous default"
fi
expect_fail "tickless-boot: a kernel that is not installed" "kernel 9.9.9 is not installed" tbr once 9.9.9
expect_fail "tickless-boot: no GRUB" "GRUB is not the bootloader here" env PATH="$fake/bin:$PATH" "$tb" --root "$fake/nothing" once
expect_fail "tickless-boot: non-root" "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$tb" --root "$root" once
touch "$root/boot/vmlinuz-6.1.0-99-tickless-amd64"
expect_fail "tickless-boot: an installed kernel without a grub.cfg entry" "grub.cfg has no entry for 6.1.0-99-tickless-amd64" tbr once
rm "$root/boot/vmlinuz-6.1.0-99-tickless-amd64"
calls >/dev/null
expect_fail "tickless-boot: a failing update-grub" "update-grub failed: the default is unchanged" env FAIL=update-grub PATH="$fake/bin:$PATH" "$tb" --root "$root" default
if [ ! -e "$root/etc/default/grub.d/zz-tickless-boot.cfg" ] && ! calls | grep -q grub-set-default; then
	ok "after a failed update-grub the drop-in is gone and the default untouched"
else
	not_ok "a failed update-grub left the drop-in or set a default"
fi
finish
