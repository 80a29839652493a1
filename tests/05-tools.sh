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
expect_fail "tickcheck refuses a limit of nan (every rate would pass)" "bad --max-ticks-per-sec 'nan'" "$tc" -m nan
expect_fail "tickcheck refuses a duration that overflows to infinity" "bad --duration '1e305d'.*at most 30d" "$tc" -D 1e305d
expect_fail "tickcheck refuses a warm-up beyond 30 days" "bad --warm-up '1e300'.*at most 30d" "$tc" -W 1e300
set +e
"$tc" -D 1e305d >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" = 2 ]; then ok "tickcheck -D 1e305d exits 2"; else not_ok "tickcheck -D 1e305d exited $rc"; fi

# tickcheck against a fake /proc/interrupts (bind-mounted in a private mount
# namespace): a CPU or timer row that is missing must stop the run with exit 2,
# never read as 0 ticks.
fakeirq=$(mktemp -d)
printf '           CPU1\nLOC:        100   Local timer interrupts\n' >"$fakeirq/nocol"
printf '           CPU0       CPU1\n  0:         45          0   IO-APIC   2-edge      timer\n' >"$fakeirq/noloc"
fake_irq() {
	local file=$1
	shift
	# shellcheck disable=SC2016 # $1 and $@ belong to the inner shell
	unshare --mount sh -c 'mount --bind "$1" /proc/interrupts && shift && exec "$@"' sh "$file" "$@"
}
if unshare --mount true 2>/dev/null && fake_irq "$fakeirq/noloc" true 2>/dev/null; then
	for t in "nocol:no LOC count for CPU 0: no column" "noloc:no timer tick row: neither LOC (x86) nor arch_timer"; do
		set +e
		out=$(fake_irq "$fakeirq/${t%%:*}" "$tc" -c 0 -D 0.1 -W 0 -m 0 -q 2>&1)
		rc=$?
		set -e
		if [ "$rc" = 2 ] && grep -q "${t#*:}" <<<"$out" && [ "$(grep -c tickcheck: <<<"$out")" = 1 ]; then
			ok "tickcheck exits 2 with one line when /proc/interrupts has ${t%%:*}"
		else
			not_ok "tickcheck with ${t%%:*} exited $rc: $out"
		fi
	done
else
	skip "tickcheck with a fake /proc/interrupts" "no private mount namespace here (unshare --mount)"
fi
rm -rf "$fakeirq"
set +e
"$tc" -c 0 -D 1 -W 0.2 -m 0 -q >/dev/null 2>&1
zero=$?
"$tc" -c 0 -D 1 -W 0.2 -m 100000 -q --json "$TOP/tools/tests/out.json" >/dev/null 2>&1
generous=$?
set -e
if [ "$zero" = 1 ]; then ok "tickcheck exits 1 when a ticking CPU exceeds -m 0"; else not_ok "tickcheck -m 0 on a ticking CPU exited $zero"; fi
if [ "$generous" = 0 ]; then ok "tickcheck exits 0 within a generous limit"; else not_ok "tickcheck -m 100000 exited $generous"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["file_version"]==1 and d["cpu"]["0"]["loc"]>0
c=d["cpu"]["0"]; assert 0.9 < d["elapsed_s"] < 2 and abs(c["loc_per_s"] - c["loc"] / d["elapsed_s"]) < 0.01' \
	"$TOP/tools/tests/out.json" 2>/dev/null; then
	ok "tickcheck --json writes the envelope, sees CPU 0's ticks, rates over the measured time"
else
	not_ok "tickcheck --json output is not what was expected"
fi
rm -f "$TOP/tools/tests/out.json"

# tickless-boot against a fake root: the grub.cfg Debian's update-grub wrote in
# the test VM, and stub GRUB tools that log their arguments. With --root the
# GRUB tools run chrooted into that tree, so it holds a shell (with its
# libraries) and the stubs in /usr/sbin; the log in the tree proves where
# they ran.
tb=$TOP/tools/tickless-boot/tickless-boot
fake=$(mktemp -d)
chmod 755 "$fake"
trap 'rm -rf "$fake"' EXIT
root=$fake/root
mkdir -p "$root/boot/grub" "$root/bin" "$root/usr/sbin"
shell=$(readlink -f /bin/sh)
cp "$shell" "$root/bin/sh"
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done < <(ldd "$shell" | grep -o '/[^ ]*')
cp "$TOP/tools/tests/fixtures/grub-debian12.cfg" "$root/boot/grub/grub.cfg"
sub=gnulinux-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb
stock="$sub>gnulinux-6.1.0-56-amd64-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb"
ours="$sub>gnulinux-6.1.0-56-tickless-amd64-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb"
newer="$sub>gnulinux-6.1.0-56-amd64-recovery-5b3d1469-0441-46ec-966f-81adce8cfddb"
printf 'saved_entry=%s\n' "$stock" >"$root/boot/grub/grubenv"
touch "$root/boot/vmlinuz-6.1.0-56-amd64" "$root/boot/vmlinuz-6.1.0-56-tickless-amd64"
for t in update-grub grub-set-default grub-reboot grub-editenv; do
	# shellcheck disable=SC2016 # $* and $FAIL belong to the stub
	printf '#!/bin/sh\necho "%s $*" >>/calls\n[ "${FAIL:-}" != %s ]\n' "$t" "$t" >"$root/usr/sbin/$t"
	chmod +x "$root/usr/sbin/$t"
done
dropin=$root/etc/default/grub.d/zz-tickless-boot.cfg
state=$root/var/lib/tickless-boot/previous-default
tbr() { PATH=/usr/sbin:/usr/bin:/sbin:/bin "$tb" --root "$root" "$@"; }
calls() {
	sed 's/ *$//' "$root/calls" 2>/dev/null | paste -sd';' || true
	rm -f "$root/calls"
}
# tb_rc ACTION...: runs tickless-boot in the fake root; $rc is its exit
# status, $fake/err its standard error, $before the tree as it was.
tb_rc() {
	calls >/dev/null
	before=$(tree_hash "$root")
	set +e
	tbr "$@" >"$fake/out" 2>"$fake/err"
	rc=$?
	set -e
}
# failed_cleanly PATTERN: the last tb_rc failed with one line matching PATTERN
# and changed no file; $ran is what it ran.
failed_cleanly() {
	ran=$(calls)
	[ "$rc" != 0 ] && [ "$(wc -l <"$fake/err")" = 1 ] && grep -qE -- "$1" "$fake/err" &&
		[ "$(tree_hash "$root")" = "$before" ]
}

if tbr list | grep -q '^\*  6\.1\.0-56-amd64 '; then ok "tickless-boot list marks the saved default"; else not_ok "tickless-boot list does not mark the stock default"; fi
tb_rc once
if [ "$rc" = 0 ] && [ "$(calls)" = "grub-reboot $ours" ]; then ok "once: grub-reboot of the tickless submenu entry, in the root, nothing else"; else not_ok "once exited $rc or ran something else"; fi
tb_rc --dry-run default
if [ "$rc" = 0 ] && [ -z "$(calls)" ] && [ ! -e "$dropin" ] && grep -q "would run: chroot $root update-grub" "$fake/out"; then
	ok "--dry-run changes nothing and names the chroot"
else
	not_ok "--dry-run exited $rc or changed something"
fi
tb_rc default
if [ "$rc" = 0 ] && [ "$(calls)" = "update-grub;grub-set-default $ours" ] && grep -qx 'GRUB_DEFAULT=saved' "$dropin" &&
	grep -qx "saved_entry=$stock" "$state"; then
	ok "default: drop-in with GRUB_DEFAULT=saved, update-grub, grub-set-default"
else
	not_ok "default exited $rc or did not write the drop-in and set the entry"
fi
tb_rc revert
if [ "$rc" = 0 ] && [ "$(calls)" = "update-grub;grub-set-default $stock" ] && [ ! -e "$dropin" ] && [ ! -e "$state" ]; then
	ok "revert: drop-in gone, the previous saved default restored"
else
	not_ok "revert exited $rc or did not restore the previous default"
fi
expect_fail "tickless-boot: a kernel that is not installed" "kernel 9.9.9 is not installed" tbr once 9.9.9
expect_fail "tickless-boot: no GRUB" "GRUB is not the bootloader here" "$tb" --root "$fake/nothing" once
expect_fail "tickless-boot: non-root" "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$tb" --root "$root" once
touch "$root/boot/vmlinuz-6.1.0-99-tickless-amd64"
expect_fail "tickless-boot: an installed kernel without a grub.cfg entry" "grub.cfg has no entry for 6.1.0-99-tickless-amd64" tbr once
rm "$root/boot/vmlinuz-6.1.0-99-tickless-amd64"

# A failing step puts every file back, the state file included: one left
# behind would make a later revert restore a default older than the admin's.
FAIL=update-grub tb_rc default
if failed_cleanly "update-grub failed: nothing changed" && [ "$ran" = update-grub ]; then
	ok "a failed update-grub: one line, exit $rc, drop-in and state file gone"
else
	not_ok "a failed update-grub exited $rc or left something changed: $(cat "$fake/err")"
fi
printf 'saved_entry=%s\n' "$newer" >"$root/boot/grub/grubenv"
tb_rc default
tb_rc revert
if [ "$rc" = 0 ] && [ "$(calls)" = "update-grub;grub-set-default $newer" ]; then
	ok "revert after a failed default restores the admin's newer choice"
else
	not_ok "revert after a failed default exited $rc or restored a stale entry"
fi
FAIL=grub-set-default tb_rc default
if failed_cleanly "grub-set-default failed for .*: nothing changed" &&
	[ "$ran" = "update-grub;grub-set-default $ours;update-grub" ]; then
	ok "a failed grub-set-default: one line, exit $rc, grub.cfg rebuilt without the drop-in, nothing changed"
else
	not_ok "a failed grub-set-default exited $rc or left something changed: $(cat "$fake/err")"
fi
FAIL=grub-reboot tb_rc once
if failed_cleanly "grub-reboot failed for .*nothing changed"; then ok "a failed grub-reboot: one line, exit $rc, nothing changed"; else not_ok "a failed grub-reboot exited $rc: $(cat "$fake/err")"; fi
tb_rc default
FAIL=update-grub tb_rc revert
if failed_cleanly "update-grub failed: nothing changed" && [ -e "$dropin" ] && [ -e "$state" ]; then
	ok "a failed update-grub in revert puts the drop-in back and keeps the state file"
else
	not_ok "a failed revert exited $rc or left something half-done: $(cat "$fake/err")"
fi
tb_rc revert

# Symlinks planted where a root-run tool writes are refused, never followed.
echo precious >"$fake/victim"
mkdir -p "$root/etc/default/grub.d"
ln -s "$fake/victim" "$dropin.tmp"
tb_rc default
if failed_cleanly "zz-tickless-boot.cfg.tmp is a symlink" && [ "$(cat "$fake/victim")" = precious ]; then
	ok "a planted .tmp symlink is refused and its target untouched"
else
	not_ok "a planted .tmp symlink: exit $rc, victim '$(cat "$fake/victim")': $(cat "$fake/err")"
fi
rm "$dropin.tmp"
ln -s "$fake/victim" "$dropin"
tb_rc default
if failed_cleanly "zz-tickless-boot.cfg is a symlink" && [ "$(cat "$fake/victim")" = precious ]; then ok "a drop-in that is a symlink is refused"; else not_ok "a symlinked drop-in: exit $rc: $(cat "$fake/err")"; fi
rm "$dropin"
rmdir "$root/var/lib/tickless-boot"
mkdir -p "$fake/elsewhere"
ln -s "$fake/elsewhere" "$root/var/lib/tickless-boot"
tb_rc default
if failed_cleanly "var/lib/tickless-boot is a symlink" && [ -z "$(ls -A "$fake/elsewhere")" ]; then
	ok "a symlinked state directory is refused and nothing is written through it"
else
	not_ok "a symlinked state directory: exit $rc: $(cat "$fake/err")"
fi
rm "$root/var/lib/tickless-boot"
echo stale >"$dropin.tmp"
tb_rc default
if [ "$rc" = 0 ] && [ ! -e "$dropin.tmp" ] && grep -qx 'GRUB_DEFAULT=saved' "$dropin"; then ok "a leftover plain .tmp file is replaced"; else not_ok "a leftover .tmp file: exit $rc: $(cat "$fake/err")"; fi
tb_rc revert

# grub.cfg that GRUB itself would read differently, or ids the GRUB tools would take for options.
other=$fake/other
mkdir -p "$other/boot/grub"
touch "$other/boot/vmlinuz-9.9-tickless-x"
printf "menuentry 'x' --id '-evil' {\n\tlinux /boot/vmlinuz-9.9-tickless-x\n}\n" >"$other/boot/grub/grub.cfg"
expect_fail "tickless-boot refuses an id that starts with '-'" "id '-evil' starts with '-'" "$tb" --root "$other" once
printf "menuentry 'x' --id 'unclosed {\n\tlinux /boot/vmlinuz-9.9-tickless-x\n}\n" >"$other/boot/grub/grub.cfg"
expect_fail "tickless-boot refuses a grub.cfg with an unclosed quote" "cannot parse .*line 1: menu entry id: unclosed quote" "$tb" --root "$other" list
finish
