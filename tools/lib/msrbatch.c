// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/krun-syscall.h>

#include "msrbatch.h"

/* Mirrors the kernel's allowlist (arch/x86/kernel/msr_syscalls.c). */
const struct msrbatch_reg msrbatch_regs[] = {
	{ "tsc",		0x10,  "time-stamp counter" },
	{ "mperf",		0xe7,  "maximum-frequency (reference) clock count" },
	{ "aperf",		0xe8,  "actual clock count" },
	{ "fixed_ctr0",		0x309, "fixed counter 0: instructions retired" },
	{ "fixed_ctr1",		0x30a, "fixed counter 1: core cycles" },
	{ "fixed_ctr2",		0x30b, "fixed counter 2: reference cycles" },
	{ "fixed_ctr3",		0x30c, "fixed counter 3: topdown slots" },
	{ "fixed_ctr_ctrl",	0x38d, "fixed counter control" },
	{ "perf_global_status",	0x38e, "performance counter overflow status" },
	{ "perf_global_ctrl",	0x38f, "performance counter global enable" },
	{ NULL, 0, NULL },
};

const struct msrbatch_reg *msrbatch_find(uint32_t msr)
{
	for (const struct msrbatch_reg *r = msrbatch_regs; r->name; r++)
		if (r->msr == msr)
			return r;
	return NULL;
}

int msrbatch_lookup(const char *arg, uint32_t *msr, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;

	for (const struct msrbatch_reg *r = msrbatch_regs; r->name; r++)
		if (!strcasecmp(arg, r->name)) {
			*msr = r->msr;
			return 0;
		}
	if (!isdigit((unsigned char)arg[0])) {
		snprintf(err, errlen, "unknown register '%s': use a name from --list or a number such as 0xe8", arg);
		return -1;
	}
	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || *end || v > UINT32_MAX) {
		snprintf(err, errlen, "bad register number '%s': give it as 0x... or decimal, up to 0xffffffff", arg);
		return -1;
	}
	if (!msrbatch_find((uint32_t)v)) {
		snprintf(err, errlen, "MSR %#llx is not on the kernel's allowlist: see --list", v);
		return -1;
	}
	*msr = (uint32_t)v;
	return 0;
}

static int via_syscall(const struct msrbatch *mb, const uint32_t *msrs, unsigned int nr,
		       const cpu_set_t *cpus, uint64_t *values, uint64_t *tscs,
		       unsigned int rows, char *err, size_t errlen)
{
	long ret;
	int e;
	struct msr_batch_args args = {
		.msrs = (uintptr_t)msrs,
		.nr_msrs = nr,
		/* cpu_set_t is a bitmap of longs, the layout the kernel expects. */
		.cpumask = (uintptr_t)cpus,
		.cpumask_size = sizeof(*cpus),
		.values = (uintptr_t)values,
		.tscs = (uintptr_t)tscs,
		.nr_rows = rows,
	};

	ret = syscall(mb->syscall_nr ? mb->syscall_nr : SYSCALL_MSR_BATCH_READ, &args, sizeof(args));
	if (ret >= 0)
		return (int)ret;
	e = errno;
	switch (e) {
	case ENOSYS:
		snprintf(err, errlen, "this kernel has no msr_batch_read(): boot the tickless kernel, or use --dev with the msr module");
		break;
	case EPERM:
		snprintf(err, errlen, "reading MSRs needs CAP_SYS_RAWIO or the group of sysctl kernel.msr_syscalls_group: run as root");
		break;
	case E2BIG:
		snprintf(err, errlen, "this kernel's msr_batch_read() is older than this program: boot a newer tickless kernel");
		break;
	case EOPNOTSUPP:
		snprintf(err, errlen, "a register asked for does not exist on this CPU (APERF/MPERF and the fixed counters are often missing in VMs)");
		break;
	case ENXIO:
		snprintf(err, errlen, "a CPU asked for is offline: bring it online or leave it out of -p");
		break;
	default:
		snprintf(err, errlen, "msr_batch_read() failed: %s", strerror(e));
	}
	return -e;
}

static int via_devmsr(const struct msrbatch *mb, const uint32_t *msrs, unsigned int nr,
		      const cpu_set_t *cpus, uint64_t *values, uint64_t *tscs,
		      char *err, size_t errlen)
{
	const char *root = mb->devmsr_root ? mb->devmsr_root : "/dev/cpu";
	int row = 0;

	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		char path[256];
		int fd;

		if (!CPU_ISSET(cpu, cpus))
			continue;
		snprintf(path, sizeof(path), "%s/%d/msr", root, cpu);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			int e = errno;

			if (e == ENOENT || e == ENXIO || e == ENODEV)
				snprintf(err, errlen, "%s is missing: load the msr module (modprobe msr), or check that CPU %d is online", path, cpu);
			else if (e == EACCES || e == EPERM)
				snprintf(err, errlen, "cannot open %s: reading MSRs needs root", path);
			else
				snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
			return -e;
		}
		for (unsigned int i = 0; i < nr; i++) {
			if (pread(fd, &values[(size_t)row * nr + i], 8, msrs[i]) != 8) {
				int e = errno ? errno : EIO;

				snprintf(err, errlen, "MSR %#x cannot be read on CPU %d (%s): it does not exist on this CPU",
					 msrs[i], cpu, strerror(e));
				close(fd);
				return -e;
			}
		}
		close(fd);
		if (tscs)
			tscs[row] = 0;
		row++;
	}
	return row;
}

int msrbatch_read(struct msrbatch *mb, const uint32_t *msrs, unsigned int nr,
		  const cpu_set_t *cpus, uint64_t *values, uint64_t *tscs,
		  unsigned int rows, char *err, size_t errlen)
{
	int ret, count = CPU_COUNT(cpus);

	if (!nr || nr > MSR_BATCH_MAX_MSRS) {
		snprintf(err, errlen, "between 1 and %d registers can be read at once", MSR_BATCH_MAX_MSRS);
		return -EINVAL;
	}
	if (!count) {
		snprintf(err, errlen, "no CPU to read on");
		return -EINVAL;
	}
	if ((unsigned int)count > rows) {
		snprintf(err, errlen, "%d CPUs asked for, room for %u rows: make the buffers larger", count, rows);
		return -ERANGE;
	}
	for (unsigned int i = 0; i < nr; i++)
		if (!msrbatch_find(msrs[i])) {
			snprintf(err, errlen, "MSR %#x is not on the kernel's allowlist: see --list", msrs[i]);
			return -EINVAL;
		}
	if (mb->via != MSRBATCH_DEVMSR) {
		ret = via_syscall(mb, msrs, nr, cpus, values, tscs, rows, err, errlen);
		if (ret != -ENOSYS || mb->via == MSRBATCH_SYSCALL) {
			mb->via = MSRBATCH_SYSCALL;
			return ret;
		}
	}
	ret = via_devmsr(mb, msrs, nr, cpus, values, tscs, err, errlen);
	if (ret == -ENOENT && mb->via == MSRBATCH_AUTO)
		snprintf(err, errlen, "this kernel has no msr_batch_read() and no /dev/cpu/N/msr: boot the tickless kernel, or load the msr module (modprobe msr)");
	mb->via = MSRBATCH_DEVMSR;
	return ret;
}
