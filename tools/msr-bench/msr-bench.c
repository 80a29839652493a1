// SPDX-License-Identifier: GPL-2.0
/*
 * msr-bench: what one reading of per-CPU counters costs, by path, in TSC
 * cycles: msr_batch_read() on the local CPU, the Krun read, three preads of
 * /dev/cpu/N/msr, and a floor (a null system call plus the reads user space
 * can do itself); the local batch read at 1, 2, 3, 8 and 16 MSRs, whose
 * line gives the cost of one MSR read (slope) and what the call itself
 * adds to a null system call (intercept minus getppid()), which holds under
 * emulation too; then an all-CPU snapshot, parallel against serial.
 * Where APERF/MPERF or the fixed counters are missing (most VMs) it reads
 * the TSC in their place and records which registers it read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <sys/krun-syscall.h>

#include "../lib/cpulist.h"
#include "../lib/msrbatch.h"
#include "../lib/rtjson.h"

#define NR_READ 3

/* MSR counts of the local batch read that the slope is fitted to. */
static const unsigned int sweep_counts[] = { 1, 2, 3, 8, 16 };
#define NR_SWEEP (sizeof(sweep_counts) / sizeof(sweep_counts[0]))

struct stats {
	const char *name;
	const char *what;
	int available;
	char error[128];
	uint64_t min, median, p99, max;
	double mean;
	unsigned long samples;
};

static unsigned long loops = 20000;
static uint64_t *samples;

static inline uint64_t now(void)
{
	_mm_lfence();
	return __rdtsc();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void summarise(struct stats *s)
{
	double sum = 0;

	qsort(samples, loops, sizeof(*samples), cmp_u64);
	for (unsigned long i = 0; i < loops; i++)
		sum += (double)samples[i];
	s->available = 1;
	s->samples = loops;
	s->min = samples[0];
	s->median = samples[loops / 2];
	s->p99 = samples[(loops * 99) / 100];
	s->max = samples[loops - 1];
	s->mean = sum / (double)loops;
}

/* Times @op over the loop count (after a tenth as warm-up); 0, or -errno of its first failure. */
#define MEASURE(s, op) ({						\
	int __err = 0;							\
	for (unsigned long __i = 0; __i < loops / 10 + loops && !__err; __i++) { \
		uint64_t __t0 = now();					\
		if ((op) < 0)						\
			__err = -errno;					\
		uint64_t __t1 = now();					\
		if (__i >= loops / 10)					\
			samples[__i - loops / 10] = __t1 - __t0;	\
	}								\
	if (__err)							\
		snprintf((s)->error, sizeof((s)->error), "%s", strerror(-__err)); \
	else								\
		summarise(s);						\
	__err; })

static long null_syscall(void)
{
	return syscall(SYS_getppid);
}

static long floor_op(void)
{
	volatile uint64_t sink;

	sink = __rdtsc();
	sink = __rdtsc();
	sink = __rdtsc();
	(void)sink;
	return syscall(SYS_getppid);
}

static struct msr_batch_args local_args, all_args, sweep_args;
static uint64_t *values, *tscs;
static uint32_t sweep_msrs[MSR_BATCH_MAX_MSRS];
static uint64_t *krun_a, *krun_m, *krun_c;
static int devmsr_fd = -1, *devmsr_fds, ncpus, cpu;
static uint32_t msrs[NR_READ];
static cpu_set_t local_set, online_set, one_set[CPU_SETSIZE];

static long batch_local(void)
{
	return syscall(SYSCALL_MSR_BATCH_READ, &local_args, sizeof(local_args));
}

static long batch_sweep(void)
{
	return syscall(SYSCALL_MSR_BATCH_READ, &sweep_args, sizeof(sweep_args));
}

static long batch_all(void)
{
	return syscall(SYSCALL_MSR_BATCH_READ, &all_args, sizeof(all_args));
}

/* Krun-style serial snapshot: one call (one cross-call) per CPU in turn. */
static long batch_serial(void)
{
	struct msr_batch_args a = all_args;

	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &online_set))
			continue;
		a.cpumask = (uintptr_t)&one_set[c];
		if (syscall(SYSCALL_MSR_BATCH_READ, &a, sizeof(a)) != 1)
			return -1;
	}
	return 0;
}

static long krun_read_local(void)
{
	return syscall(SYSCALL_KRUN_READ_MSRS, 1, 0, krun_a, krun_m, krun_c);
}

static long devmsr_local(void)
{
	uint64_t v;

	for (int i = 0; i < NR_READ; i++)
		if (pread(devmsr_fd, &v, 8, msrs[i]) != 8)
			return -1;
	return 0;
}

static long devmsr_serial(void)
{
	uint64_t v;

	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &online_set))
			continue;
		for (int i = 0; i < NR_READ; i++)
			if (pread(devmsr_fds[c], &v, 8, msrs[i]) != 8)
				return -1;
	}
	return 0;
}

/* Opens /dev/cpu/N/msr of every online CPU for devmsr_serial(); -1 if one is missing. */
static int open_devmsr_all(void)
{
	char path[64];

	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &online_set))
			continue;
		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", c);
		devmsr_fds[c] = open(path, O_RDONLY);
		if (devmsr_fds[c] < 0)
			return -1;
	}
	return 0;
}

/* The three counters Krun reads, each replaced by the TSC where it cannot be read (missing in most VMs). */
static void choose_msrs(const char **names)
{
	static const char *want[NR_READ] = { "aperf", "mperf", "fixed_ctr1" };
	struct msrbatch mb = { .via = MSRBATCH_SYSCALL };
	uint64_t v, t;
	char err[256];

	for (int i = 0; i < NR_READ; i++) {
		uint32_t msr;

		msrbatch_lookup(want[i], &msr, err, sizeof(err));
		if (msrbatch_read(&mb, &msr, 1, &local_set, &v, &t, 1, err, sizeof(err)) != 1) {
			msrs[i] = 0x10;
			names[i] = "tsc";
		} else {
			msrs[i] = msr;
			names[i] = want[i];
		}
	}
}

static void print_stats(const struct stats *s)
{
	if (s->available)
		printf("%-22s %10llu %10llu %12llu   %s\n", s->name, (unsigned long long)s->median,
		       (unsigned long long)s->p99, (unsigned long long)s->max, s->what);
	else
		printf("%-22s %10s %10s %12s   %s (unavailable: %s)\n", s->name, "-", "-", "-", s->what, s->error);
}

static void json_stats(FILE *f, const struct stats *s, int first)
{
	fprintf(f, "%s\n    ", first ? "" : ",");
	rtjson_string(f, s->name);
	fprintf(f, ": {\"what\": ");
	rtjson_string(f, s->what);
	if (s->available)
		fprintf(f, ", \"available\": true, \"samples\": %lu, \"min\": %llu, \"median\": %llu, \"p99\": %llu, \"max\": %llu, \"mean\": %.1f}",
			s->samples, (unsigned long long)s->min, (unsigned long long)s->median,
			(unsigned long long)s->p99, (unsigned long long)s->max, s->mean);
	else {
		fprintf(f, ", \"available\": false, \"error\": ");
		rtjson_string(f, s->error);
		fprintf(f, "}");
	}
}

/*
 * Least-squares line through (MSR count, median) of the sweep: the slope is
 * what one more MSR read costs, the intercept what a call reading none
 * would. 0 if fewer than two points were measured.
 */
static int fit_sweep(const struct stats *sw, double *slope, double *intercept)
{
	double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (size_t i = 0; i < NR_SWEEP; i++) {
		double x = sweep_counts[i], y = (double)sw[i].median;

		if (!sw[i].available)
			continue;
		n++, sx += x, sy += y, sxx += x * x, sxy += x * y;
	}
	if (n < 2 || n * sxx == sx * sx)
		return 0;
	*slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	*intercept = (sy - *slope * sx) / n;
	return 1;
}

/* A target as JSON: ratio of medians, the limit, and whether it was met (null when it does not apply). */
static void json_target(FILE *f, const char *name, const struct stats *a, const struct stats *b,
			double limit, int applies, int last)
{
	fprintf(f, "\n    \"%s\": {", name);
	if (a->available && b->available && b->median) {
		double r = (double)a->median / (double)b->median;

		fprintf(f, "\"ratio\": %.4f, \"limit\": %.4f, \"met\": %s}", r, limit,
			!applies ? "null" : r <= limit ? "true" : "false");
	} else {
		fprintf(f, "\"ratio\": null, \"limit\": %.4f, \"met\": null}", limit);
	}
	fputs(last ? "" : ",", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "loops", required_argument, NULL, 'l' },
		{ "affinity", required_argument, NULL, 'a' },
		{ "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stats st[] = {
		{ .name = "null_syscall", .what = "getppid()" },
		{ .name = "floor", .what = "getppid() + 3 rdtsc (user space cannot rdmsr)" },
		{ .name = "batch_local", .what = "msr_batch_read(), 3 MSRs, calling CPU" },
		{ .name = "krun_read_local", .what = "krun_read_msrs(n_cores=1) from CPU 0" },
		{ .name = "devmsr_local", .what = "3 x pread(/dev/cpu/N/msr), calling CPU" },
		{ .name = "snapshot_parallel", .what = "msr_batch_read(), 3 MSRs, every online CPU at once" },
		{ .name = "snapshot_serial", .what = "msr_batch_read() once per CPU, in turn (Krun-style)" },
		{ .name = "snapshot_devmsr", .what = "3 x pread(/dev/cpu/N/msr) per CPU, in turn" },
	};
	enum { NULLSYS, FLOOR, LOCAL, KRUN, DEVMSR, PAR, SER, DEVSER };
	static char sweep_names[NR_SWEEP][32], sweep_what[NR_SWEEP][64];
	struct stats sweep[NR_SWEEP] = { 0 };
	double slope = 0, intercept = 0, overhead = 0;
	int fitted;
	const char *json = NULL, *names[NR_READ];
	int quiet = 0, opt, last = 0, rc = 0;
	char err[256], path[64], *end;
	time_t start = time(NULL);

	cpu = 0;
	while ((opt = getopt_long(argc, argv, "l:a:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			loops = strtoul(optarg, &end, 10);
			if (*end || loops < 100) {
				fprintf(stderr, "msr-bench: --loops wants a number of at least 100, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'a':
			cpu = (int)strtol(optarg, &end, 10);
			if (*end || cpu < 0 || cpu >= CPU_SETSIZE) {
				fprintf(stderr, "msr-bench: --affinity wants one CPU number, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'j': json = optarg; break;
		case 'q': quiet = 1; break;
		case 'h':
			printf("Usage: msr-bench [-l LOOPS] [-a CPU] [--json=FILE] [-q]\n"
			       "Cost of reading per-CPU counters, by path, in TSC cycles (see msr-bench(8)).\n");
			return 0;
		default:
			fprintf(stderr, "msr-bench: see --help for the options\n");
			return 2;
		}
	}
	if (geteuid()) {
		fprintf(stderr, "msr-bench: reading MSRs needs CAP_SYS_RAWIO: run as root\n");
		return 2;
	}
	CPU_ZERO(&local_set);
	CPU_SET(cpu, &local_set);
	if (sched_setaffinity(0, sizeof(local_set), &local_set)) {
		fprintf(stderr, "msr-bench: cannot run on CPU %d: %s (is it online?)\n", cpu, strerror(errno));
		return 2;
	}
	if (cpulist_read_online(&online_set, err, sizeof(err))) {
		fprintf(stderr, "msr-bench: %s\n", err);
		return 2;
	}
	ncpus = CPU_COUNT(&online_set);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &online_set)) {
			last = c;
			CPU_ZERO(&one_set[c]);
			CPU_SET(c, &one_set[c]);
		}
	samples = calloc(loops, sizeof(*samples));
	/* Dense rows, one per online CPU; a sweep row needs up to 16 values. */
	values = calloc((size_t)ncpus * MSR_BATCH_MAX_MSRS, sizeof(*values));
	tscs = calloc((size_t)ncpus, sizeof(*tscs));
	krun_a = calloc(1, 8), krun_m = calloc(1, 8), krun_c = calloc(1, 8);
	devmsr_fds = calloc((size_t)last + 1, sizeof(int));
	if (!samples || !values || !tscs || !krun_a || !krun_m || !krun_c || !devmsr_fds) {
		fprintf(stderr, "msr-bench: out of memory\n");
		return 1;
	}
	choose_msrs(names);
	local_args = (struct msr_batch_args) {
		.msrs = (uintptr_t)msrs, .nr_msrs = NR_READ,
		.cpumask = (uintptr_t)&local_set, .cpumask_size = sizeof(cpu_set_t),
		.values = (uintptr_t)values, .tscs = (uintptr_t)tscs,
		.nr_rows = 1,
	};
	all_args = local_args;
	all_args.cpumask = (uintptr_t)&online_set;
	all_args.nr_rows = (uint32_t)ncpus;
	for (int i = 0; i < MSR_BATCH_MAX_MSRS; i++)
		sweep_msrs[i] = msrs[i % NR_READ];
	sweep_args = local_args;
	sweep_args.msrs = (uintptr_t)sweep_msrs;

	MEASURE(&st[NULLSYS], null_syscall());
	MEASURE(&st[FLOOR], floor_op());
	MEASURE(&st[LOCAL], batch_local());
	if (cpu == 0) {
		/* As Krun does: configure and reset first, release after. */
		if (syscall(SYSCALL_KRUN_CONFIGURE, 1) || syscall(SYSCALL_KRUN_RESET_MSRS, 1))
			snprintf(st[KRUN].error, sizeof(st[KRUN].error), "krun_configure/reset: %s", strerror(errno));
		else
			MEASURE(&st[KRUN], krun_read_local());
		syscall(SYSCALL_KRUN_CONFIGURE, 0);
	} else
		snprintf(st[KRUN].error, sizeof(st[KRUN].error), "the Krun read is timed from CPU 0 only");
	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	devmsr_fd = open(path, O_RDONLY);
	if (devmsr_fd >= 0)
		MEASURE(&st[DEVMSR], devmsr_local());
	else
		snprintf(st[DEVMSR].error, sizeof(st[DEVMSR].error), "%s: %s (modprobe msr)", path, strerror(errno));
	for (size_t i = 0; i < NR_SWEEP; i++) {
		snprintf(sweep_names[i], sizeof(sweep_names[i]), "batch_local_%u", sweep_counts[i]);
		snprintf(sweep_what[i], sizeof(sweep_what[i]), "msr_batch_read(), %u MSRs, calling CPU", sweep_counts[i]);
		sweep[i].name = sweep_names[i];
		sweep[i].what = sweep_what[i];
		sweep_args.nr_msrs = sweep_counts[i];
		MEASURE(&sweep[i], batch_sweep());
	}
	fitted = fit_sweep(sweep, &slope, &intercept);
	if (fitted && st[NULLSYS].available)
		overhead = intercept - (double)st[NULLSYS].median;
	MEASURE(&st[PAR], batch_all());
	MEASURE(&st[SER], batch_serial());
	if (!open_devmsr_all())
		MEASURE(&st[DEVSER], devmsr_serial());
	else
		snprintf(st[DEVSER].error, sizeof(st[DEVSER].error), "/dev/cpu/N/msr missing (modprobe msr)");
	if (!st[LOCAL].available || !st[PAR].available)
		rc = 1;

	if (!quiet) {
		printf("# msr-bench: TSC cycles per operation, %lu loops, CPU %d of %d online; MSRs read: %s %s %s\n",
		       loops, cpu, ncpus, names[0], names[1], names[2]);
		printf("%-22s %10s %10s %12s   %s\n", "# case", "median", "p99", "max", "what");
		for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
			print_stats(&st[i]);
		for (size_t i = 0; i < NR_SWEEP; i++)
			print_stats(&sweep[i]);
		if (fitted)
			printf("# per MSR read (slope): %.1f; call with no MSR (intercept): %.1f; "
			       "added to getppid(): %.1f = %.2f null system calls (target <= 0.5)\n",
			       slope, intercept, overhead,
			       st[NULLSYS].median ? overhead / (double)st[NULLSYS].median : 0);
	}
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f) {
			fprintf(stderr, "msr-bench: cannot write %s: %s\n", json, strerror(errno));
			return 2;
		}
		rtjson_begin(f, rtjson_cmdline(argc, argv), start, time(NULL), rc);
		fprintf(f, ",\n  \"unit\": \"tsc_cycles\",\n  \"loops\": %lu,\n  \"cpu\": %d,\n  \"online_cpus\": %d,\n  \"msrs\": [",
			loops, cpu, ncpus);
		for (int i = 0; i < NR_READ; i++) {
			fprintf(f, "%s{\"name\": \"%s\", \"msr\": %u}", i ? ", " : "", names[i], msrs[i]);
		}
		fprintf(f, "],\n  \"cases\": {");
		for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
			json_stats(f, &st[i], i == 0);
		for (size_t i = 0; i < NR_SWEEP; i++)
			json_stats(f, &sweep[i], 0);
		fprintf(f, "\n  },\n  \"sweep\": ");
		if (fitted)
			fprintf(f, "{\"per_msr\": %.1f, \"intercept\": %.1f, \"call_overhead\": %.1f}",
				slope, intercept, overhead);
		else
			fprintf(f, "null");
		fprintf(f, ",\n  \"targets\": {");
		/* What the call adds to a null system call, in null system calls. */
		fprintf(f, "\n    \"call_overhead_vs_null\": {");
		if (fitted && st[NULLSYS].median) {
			double r = overhead / (double)st[NULLSYS].median;

			fprintf(f, "\"ratio\": %.4f, \"limit\": 0.5000, \"met\": %s},", r, r <= 0.5 ? "true" : "false");
		} else {
			fprintf(f, "\"ratio\": null, \"limit\": 0.5000, \"met\": null},");
		}
		json_target(f, "local_vs_devmsr", &st[LOCAL], &st[DEVMSR], 1.0 / 3, 1, 0);
		json_target(f, "local_vs_floor", &st[LOCAL], &st[FLOOR], 1.5, 1, 0);
		json_target(f, "snapshot_parallel_vs_serial", &st[PAR], &st[SER], 2.0 / ncpus, ncpus >= 8, 1);
		fprintf(f, "\n  }");
		rtjson_end(f);
		fclose(f);
	}
	return rc;
}
