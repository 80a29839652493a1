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
 * @flags:        Must be zero. Reserved for changes of behaviour; new
 *                arguments come as new fields at the end (see below).
 * @msrs:         Pointer to @nr_msrs __u32 MSR numbers, each on the allowlist.
 * @cpumask:      Pointer to a CPU bitmap of @cpumask_size bytes, laid out as
 *                for sched_setaffinity(): bit N of the array is CPU N.
 * @values:       Pointer to @nr_rows rows of @nr_msrs __u64 each. Row r
 *                receives the MSRs read on the r-th CPU of @cpumask, counted
 *                in ascending CPU order: entry [r * @nr_msrs + i] is MSR
 *                @msrs[i]. Rows after the last CPU are not written.
 * @tscs:         Pointer to @nr_rows __u64, or zero if the caller does not
 *                want them: entry r is the TSC at which the r-th CPU started
 *                its reading.
 * @nr_msrs:      Number of MSRs, 1 to MSR_BATCH_MAX_MSRS.
 * @cpumask_size: Size of the bitmap at @cpumask, a non-zero multiple of 8 up
 *                to MSR_BATCH_MAX_CPUMASK_SIZE.
 * @nr_rows:      How many rows @values (and @tscs) can hold; at least the
 *                number of CPUs in @cpumask, or the call fails with ERANGE.
 * @reserved:     Must be zero.
 *
 * msr_batch_read() returns the number of CPUs read, which is the number of
 * rows written.
 *
 * The structure grows by its size, the second argument of msr_batch_read(),
 * as with openat2(): later versions only append fields, an older kernel
 * fails a larger structure with E2BIG if a field it does not know is
 * non-zero, and a newer kernel treats the fields missing from a smaller one
 * as zero.
 */
struct msr_batch_args {
	__aligned_u64 flags;
	__aligned_u64 msrs;
	__aligned_u64 cpumask;
	__aligned_u64 values;
	__aligned_u64 tscs;
	__u32 nr_msrs;
	__u32 cpumask_size;
	__u32 nr_rows;
	__u32 reserved;
};

#define MSR_BATCH_ARGS_SIZE_VER0	56 /* sizeof first published struct */

#endif /* _UAPI_ASM_X86_MSR_BATCH_H */
