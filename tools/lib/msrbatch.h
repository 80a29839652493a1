/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading allowlisted MSRs on many CPUs: through msr_batch_read() on the
 * tickless kernel, or through /dev/cpu/N/msr on kernels without it.
 */
#ifndef TICKLESS_MSRBATCH_H
#define TICKLESS_MSRBATCH_H

#ifndef _GNU_SOURCE
#error "msrbatch.h uses cpu_set_t: define _GNU_SOURCE before any #include"
#endif
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/msr_batch.h>

/* The registers the kernel's allowlist has, by name (the kernel decides availability). */
struct msrbatch_reg {
	const char *name;
	uint32_t msr;
	const char *what;
};

/* Terminated by an entry with a NULL name. */
extern const struct msrbatch_reg msrbatch_regs[];

/* The allowlist entry of @msr, or NULL when the kernel would refuse it. */
const struct msrbatch_reg *msrbatch_find(uint32_t msr);

/*
 * Resolves a register name ("aperf", case-insensitive) or number ("0xe8",
 * "232") on the allowlist. Returns 0, or -1 with a one-line message in @err.
 */
int msrbatch_lookup(const char *arg, uint32_t *msr, char *err, size_t errlen);

enum msrbatch_via {
	MSRBATCH_AUTO,		/* the system call, else /dev/cpu/N/msr */
	MSRBATCH_SYSCALL,	/* msr_batch_read() only */
	MSRBATCH_DEVMSR,	/* /dev/cpu/N/msr only */
};

struct msrbatch {
	enum msrbatch_via via;		/* in: what to use; out: what was used */
	const char *devmsr_root;	/* directory of N/msr; NULL means /dev/cpu */
	long syscall_nr;		/* 0 means SYSCALL_MSR_BATCH_READ */
};

/*
 * Reads @nr MSRs on every CPU of @cpus, one row per CPU in ascending CPU
 * order, as msr_batch_read() writes them: values[r * nr + i] gets @msrs[i]
 * read on the r-th CPU of @cpus, and tscs[r] (if @tscs is not NULL) the TSC
 * at which that CPU began, or 0 through /dev/cpu/N/msr, which has no such
 * stamp. Both arrays hold @rows rows, at least CPU_COUNT(@cpus).
 * Returns the number of rows written, or a negative errno with a one-line
 * message in @err that names the problem and the fix.
 */
int msrbatch_read(struct msrbatch *mb, const uint32_t *msrs, unsigned int nr,
		  const cpu_set_t *cpus, uint64_t *values, uint64_t *tscs,
		  unsigned int rows, char *err, size_t errlen);

#endif
