/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * MSR system calls: msr_batch_read() and the Krun-compatible calls.
 * See Documentation/userspace-api/msr_syscalls.rst.
 */
#ifndef _UAPI_ASM_X86_MSR_BATCH_H
#define _UAPI_ASM_X86_MSR_BATCH_H

#include <linux/types.h>

/* Most MSRs that one msr_batch_read() call reads on each CPU. */
#define MSR_BATCH_MAX_MSRS		16

/* Largest CPU bitmap msr_batch_read() accepts, in bytes (65536 CPUs). */
#define MSR_BATCH_MAX_CPUMASK_SIZE	8192

/**
 * struct msr_batch_args - Arguments of msr_batch_read()
 * @flags:        Must be zero.
 * @msrs:         Pointer to @nr_msrs __u32 MSR numbers, each on the allowlist.
 * @cpumask:      Pointer to a CPU bitmap of @cpumask_size bytes, laid out as
 *                for sched_setaffinity(): bit N of the array is CPU N.
 * @values:       Pointer to a __u64 array with @nr_msrs entries per CPU, up to
 *                and including the highest CPU in @cpumask. Entry
 *                [cpu * @nr_msrs + i] receives MSR @msrs[i] read on CPU cpu;
 *                rows of CPUs outside @cpumask are not written.
 * @tscs:         Pointer to a __u64 array with one entry per CPU, indexed like
 *                the rows of @values: the TSC at which that CPU started its
 *                reading. Zero if the caller does not want it.
 * @nr_msrs:      Number of MSRs, 1 to MSR_BATCH_MAX_MSRS.
 * @cpumask_size: Size of the bitmap at @cpumask, a non-zero multiple of 8 up
 *                to MSR_BATCH_MAX_CPUMASK_SIZE.
 *
 * The structure is versioned by its size: later versions only append fields,
 * and a field the running kernel does not know must be zero.
 */
struct msr_batch_args {
	__aligned_u64 flags;
	__aligned_u64 msrs;
	__aligned_u64 cpumask;
	__aligned_u64 values;
	__aligned_u64 tscs;
	__u32 nr_msrs;
	__u32 cpumask_size;
};

#define MSR_BATCH_ARGS_SIZE_VER0	48 /* sizeof first published struct */

#endif /* _UAPI_ASM_X86_MSR_BATCH_H */
