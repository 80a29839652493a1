/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * System call numbers of the Krun-compatible MSR calls of the linux-tickless
 * kernel, under the names Krun's libkruntime uses, plus msr_batch_read().
 * Arguments and errors: Documentation/userspace-api/msr_syscalls.rst in the
 * kernel source, and <asm/msr_batch.h> for msr_batch_read()'s structure.
 *
 *   syscall(SYSCALL_KRUN_CONFIGURE, n_cores);
 *   syscall(SYSCALL_KRUN_RESET_MSRS, n_cores);
 *   syscall(SYSCALL_KRUN_READ_MSRS, n_cores, ctr1_first, aperfs, mperfs, ctr1s);
 *   syscall(SYSCALL_MSR_BATCH_READ, &args, sizeof(args));
 */
#ifndef _SYS_KRUN_SYSCALL_H
#define _SYS_KRUN_SYSCALL_H

#if !defined(__x86_64__) || defined(__ILP32__)
#error "the Krun MSR system calls exist on x86-64 (64-bit ABI) only"
#endif

#define SYSCALL_KRUN_READ_MSRS	(900)
#define SYSCALL_KRUN_RESET_MSRS	(901)
#define SYSCALL_KRUN_CONFIGURE	(902)
#define SYSCALL_MSR_BATCH_READ	(903)

#endif /* _SYS_KRUN_SYSCALL_H */
