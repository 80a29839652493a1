#!/bin/bash
# The test machine: a Debian 12 disk image booted under QEMU (SeaBIOS -> GRUB
# -> kernel, serial console), with our debs on a second disk. The in-VM side,
# one step per boot, is tests/vm/step; this collects its TAP. Two VMs, each on
# a fresh copy-on-write disk: 2 vCPUs (install, tickless by default and the
# MSR calls, default off, fallback, package lifecycle, ours as the saved
# default and its removal), then 4 vCPUs (every isolated CPU busy at once,
# rtla, timers armed on a nohz_full CPU with three housekeeping CPUs).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_test_build
# VM_PHASES (default both): "smp2", "smp4" or both, to rerun one VM by hand.
phases=${VM_PHASES:-smp2 smp4}
[[ $phases =~ ^(smp2|smp4)( (smp2|smp4))?$ ]] || die "VM_PHASES='$phases': give smp2, smp4 or 'smp2 smp4'"
# BENCH_ONLY=1 (make bench): the 2-vCPU VM alone installs ours, boots it,
# runs msr-bench and stops.
if [ "${BENCH_ONLY:-0}" = 1 ]; then phases=smp2; fi
debs=("$(deb_path "linux-image-$KREL")" "$(deb_path "linux-headers-$KREL")"
	"$(deb_path linux-tickless-tools)" "$(deb_path "linux-image-$META_NAME")"
	"$(deb_path linux-tickless-dev)")
for d in "${debs[@]}"; do
	if [ ! -f "$d" ]; then
		not_ok "no ${d#"$TOP"/} (run tests/30-packages.sh first)"
		finish
	fi
done

img=$("$TOP/scripts/make-vm-image")
run=$SERIES_DIR/vm-run
run4=$SERIES_DIR/vm-run-smp4
# The run directory of each phase.
dirs=()
[[ $phases != *smp2* ]] || dirs+=("$run")
[[ $phases != *smp4* ]] || dirs+=("$run4")
rm -rf "$run" "$run4"
for r in "${dirs[@]}"; do
	mkdir -p "$r/payload/debs"
	qemu-img create -q -f qcow2 -F raw -b "$img" "$r/disk.qcow2"
	cp "${debs[@]}" "$r/payload/debs/"
	cp "$TOP/tests/vm/step" "$r/payload/"
done
if [[ $phases == *smp2* ]]; then
	cp "$TOP/tests/vm/krun_compat.c" "$run/payload/"
	# The MSR syscalls' kselftest, built with the kernel's own selftest make
	# against the uapi headers of the build under test, static for the VM.
	if ! "$TOP/tests/vm/build-kselftest" "$run/payload" >"$run/kselftest-build.log" 2>&1; then
		not_ok "building the msr_syscalls kselftest failed: see ${run#"$TOP"/}/kselftest-build.log"
		tail -n 15 "$run/kselftest-build.log" | diag
		finish
	fi
	# A second build with a higher version, for the upgrade test: the image and
	# meta packages repacked, so only the versions (and dpkg's upgrade path) differ.
	upgrade_version=$PKG_VERSION+upgradetest1
	mkdir -p "$run/payload/upgrade"
	for d in "${debs[0]}" "${debs[3]}"; do
		rm -rf "$run/repack"
		dpkg-deb -R "$d" "$run/repack"
		sed -i "s/$PKG_VERSION/$upgrade_version/g" "$run/repack/DEBIAN/control"
		name=$(basename "$d" | sed "s/_${PKG_VERSION}_/_${upgrade_version}_/")
		dpkg-deb -b -Zxz -z1 "$run/repack" "$run/payload/upgrade/$name" >/dev/null
	done
	rm -rf "$run/repack"
fi
if [[ $phases == *smp4* ]]; then
	# The timer lateness module, against the test build's object tree.
	if ! "$TOP/tests/vm/build-test-module" "$run4/payload" >"$run4/module-build.log" 2>&1; then
		not_ok "building the timer_lateness module failed: see ${run4#"$TOP"/}/module-build.log"
		tail -n 15 "$run4/module-build.log" | diag
		finish
	fi
fi
# ACCEL: what scripts/run-vm will use (kvm or tcg), for what TCG cannot run.
accel=$("$TOP/scripts/probe-accel")
for phase in $phases; do
	r=$run
	[ "$phase" = smp2 ] || r=$run4
	printf 'KREL=%s\nMETA=%s\nUPGRADE_VERSION=%s\nSTOCK_TICKS_NOHZ_FULL=%s\nBENCH_ONLY=%s\nPHASE=%s\nACCEL=%s\n' "$KREL" "linux-image-$META_NAME" \
		"${upgrade_version:-}" "$STOCK_TICKS_NOHZ_FULL" "${BENCH_ONLY:-0}" "$phase" "$accel" >"$r/payload/env"
	truncate -s 1G "$r/payload.img"
	mkfs.ext4 -q -L tickless-payload -d "$r/payload" "$r/payload.img"
done

# What each vCPU of a hung guest was executing (scripts/run-vm asked QEMU's
# monitor), named from the kernel symbols the step saved at that boot.
vcpu_report() {
	local boot syms rip cpl hlt where
	boot=$(debugfs -R "cat /boot" "$1/payload.img" 2>/dev/null) || boot=''
	syms=$(mktemp)
	debugfs -R "dump /kallsyms-$boot $syms" "$1/payload.img" >/dev/null 2>&1 || true
	echo "the hung guest, boot ${boot:-?}: QEMU's view (all of it in ${1#"$TOP"/}/console.log.monitor)"
	sed -n 's/^RIP=\([0-9a-f]*\) .*\(CPL=[0-9]\).*\(HLT=[01]\).*/\1 \2 \3/p' "$1/console.log.monitor" | head -n 16 |
		while read -r rip cpl hlt; do
			where='user space'
			[ "$cpl" != CPL=0 ] || where=$(awk -v rip="$rip" '$1 <= rip { sym = $3 } END { print sym ? sym : "(no symbol)" }' <(LC_ALL=C sort "$syms"))
			echo "vCPU: RIP $rip $cpl $hlt $where"
		done
	grep -E '^(dumping|LVTT\s|Timer)' "$1/console.log.monitor" || true
	rm -f "$syms"
}

# Boots one VM ($1: its run directory, $2: vCPUs, $3: NUMA nodes) and reports
# its TAP. Under TCG, scripts/run-vm's single-threaded default.
vm_run() {
	local r=$1 t0 status console
	t0=$(date +%s)
	set +e
	VM_SMP=$2 VM_NUMA_NODES=$3 "$TOP/scripts/run-vm" "$r/disk.qcow2" "$r/payload.img" "$r/console.log" 1500
	status=$?
	set -e
	echo "# VM run, $2 vCPUs: $(($(date +%s) - t0)) s, qemu exit status $status"
	# The log is read whole first: grep -q on a pipe would stop tr with SIGPIPE,
	# and with pipefail a match would read as no match.
	console=$(tr -d '\r' <"$r/console.log")
	sed -n 's/^TICKLESS-TAP //p' <<<"$console"
	if grep -q '^TICKLESS-DONE' <<<"$console"; then
		ok "the $2-vCPU VM ran all its boots and powered off"
	else
		not_ok "the $2-vCPU VM did not finish (status $status: timeout, panic or hang): see ${r#"$TOP"/}/console.log"
		tail -n 15 <<<"$console" | diag
		if [ -s "$r/console.log.monitor" ]; then vcpu_report "$r" | diag; fi
	fi
	if grep -q '^TICKLESS-TAP not ok' <<<"$console"; then FAILED=1; fi
}
if [[ $phases == *smp2* ]]; then
	vm_run "$run" "${VM_SMP:-2}" 1
	# msr-bench's JSON from the VM, for `make bench` (scripts/plot-bench).
	debugfs -R "dump /msr-bench.json $run/msr-bench.json" "$run/payload.img" >/dev/null 2>&1 || rm -f "$run/msr-bench.json"
fi
# Two NUMA nodes, CPUs 0-1 and 2-3, for the timer check (tests/vm/step).
if [[ $phases == *smp4* ]]; then vm_run "$run4" 4 2; fi
finish
