// SPDX-License-Identifier: GPL-2.0
/*
 * A program written against the Krun kernel's interface, the way Krun's
 * libkruntime drives it: configure, reset, read before, work, read after.
 * It only includes <sys/krun-syscall.h> (from linux-tickless-dev) and calls
 * the numbers by their Krun names. Every core is kept busy between the two
 * reads (APERF, MPERF and the cycle count stop in idle), so each count must
 * have grown on every core: after > before, which all-zero readings fail.
 * Exit 0: the sequence passed; 3: the CPU lacks the counters and the kernel
 * said EOPNOTSUPP, cleanly; 1: anything else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/krun-syscall.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int unsupported(const char *what, long ret)
{
	if (ret == -1 && errno == EOPNOTSUPP) {
		printf("krun_compat: %s: EOPNOTSUPP (no APERF/MPERF or PMU here)\n", what);
		return 1;
	}
	return 0;
}

static void pin(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		printf("krun_compat: cannot pin to core %d: %s\n", core, strerror(errno));
}

/* A busy loop on each core but 0 until killed; 0 runs the measured work. */
static int spin_others(int n, pid_t *pids)
{
	for (int core = 1; core < n; core++) {
		pids[core] = fork();
		if (pids[core] < 0)
			return -1;
		if (!pids[core]) {
			pin(core);
			for (volatile uint64_t x = 0;; x++)
				;
		}
	}
	return 0;
}

static void stop_others(int n, const pid_t *pids)
{
	for (int core = 1; core < n; core++)
		if (pids[core] > 0) {
			kill(pids[core], SIGKILL);
			waitpid(pids[core], NULL, 0);
		}
}

int main(void)
{
	int n = (int)sysconf(_SC_NPROCESSORS_ONLN), core, bad = 0;
	uint64_t *a0 = calloc(n, 8), *m0 = calloc(n, 8), *c0 = calloc(n, 8);
	uint64_t *a1 = calloc(n, 8), *m1 = calloc(n, 8), *c1 = calloc(n, 8);
	pid_t *pids = calloc(n, sizeof(*pids));
	volatile uint64_t work = 0;
	long ret;

	if (!a0 || !m0 || !c0 || !a1 || !m1 || !c1 || !pids)
		return 1;
	/* libkruntime stops at the first failure; so does this. */
	ret = syscall(SYSCALL_KRUN_CONFIGURE, n);
	if (ret) {
		printf("krun_compat: krun_configure(%d): %s\n", n, strerror(errno));
		return unsupported("krun_configure", ret) ? 3 : 1;
	}
	ret = syscall(SYSCALL_KRUN_RESET_MSRS, n);
	if (ret) {
		printf("krun_compat: krun_reset_msrs(%d): %s\n", n, strerror(errno));
		bad = unsupported("krun_reset_msrs", ret) ? 3 : 1;
		syscall(SYSCALL_KRUN_CONFIGURE, 0);	/* gives the counters back */
		return bad;
	}
	pin(0);
	if (spin_others(n, pids)) {
		printf("krun_compat: fork: %s\n", strerror(errno));
		stop_others(n, pids);
		syscall(SYSCALL_KRUN_CONFIGURE, 0);
		return 1;
	}
	if (syscall(SYSCALL_KRUN_READ_MSRS, n, 0, a0, m0, c0)) {
		printf("krun_compat: krun_read_msrs before: %s\n", strerror(errno));
		stop_others(n, pids);
		syscall(SYSCALL_KRUN_CONFIGURE, 0);
		return 1;
	}
	for (int i = 0; i < 50000000; i++)
		work += i;
	ret = syscall(SYSCALL_KRUN_READ_MSRS, n, 1, a1, m1, c1);
	stop_others(n, pids);
	if (ret) {
		printf("krun_compat: krun_read_msrs after: %s\n", strerror(errno));
		syscall(SYSCALL_KRUN_CONFIGURE, 0);
		return 1;
	}
	for (core = 0; core < n; core++) {
		printf("krun_compat: core %d aperf %llu -> %llu, mperf %llu -> %llu, ctr1 %llu -> %llu\n", core,
		       (unsigned long long)a0[core], (unsigned long long)a1[core],
		       (unsigned long long)m0[core], (unsigned long long)m1[core],
		       (unsigned long long)c0[core], (unsigned long long)c1[core]);
		if (a0[core] >= a1[core] || m0[core] >= m1[core] || c0[core] >= c1[core]) {
			printf("krun_compat: core %d: a count did not grow while the core was busy\n", core);
			bad = 1;
		}
	}
	syscall(SYSCALL_KRUN_CONFIGURE, 0);
	return bad;
}
