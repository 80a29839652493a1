// SPDX-License-Identifier: GPL-2.0
/*
 * tickcheck: proves (or disproves) that CPUs run without a periodic tick.
 *
 * A busy loop is pinned to each selected CPU. After a warm-up, the LOC row of
 * /proc/interrupts (local timer interrupts) and every other row are read
 * before and after the measured window, and each loop records the gaps in its
 * own progress (oslat-style): time the CPU spent elsewhere. A CPU whose rate
 * of local timer interrupts exceeds --max-ticks-per-sec fails the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef __x86_64__
#include <x86intrin.h>
#endif

#include "../lib/cpulist.h"
#include "../lib/duration.h"
#include "../lib/interrupts.h"
#include "../lib/rtjson.h"

#define HIST_BUCKETS 16		/* gaps of [2^i, 2^(i+1)) us; the last is open */

enum phase { WARM_UP, MEASURE, STOP };

struct loop {
	int cpu;
	pthread_t thread;
	/* Measured window only. */
	uint64_t gaps, max_gap_ns, stolen_ns, iterations;
	uint64_t hist[HIST_BUCKETS];
	long migrations;	/* samples taken on another CPU */
	long preempted;		/* nonvoluntary context switches */
	int started;
};

static _Atomic int phase = WARM_UP;
static _Atomic int loops_ready;
static int quiesce = 1;
static double gap_threshold_ns = 1000;
static double tsc_per_ns;	/* calibrated before the loops start */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The loop's clock: the TSC where there is one (no syscall, no vDSO fallback). */
static inline uint64_t cycles(void)
{
#ifdef __x86_64__
	return __rdtsc();
#else
	return now_ns();
#endif
}

static void calibrate(void)
{
#ifdef __x86_64__
	uint64_t t0 = now_ns(), c0 = cycles(), t1, c1;
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	nanosleep(&pause, NULL);
	t1 = now_ns();
	c1 = cycles();
	tsc_per_ns = (double)(c1 - c0) / (double)(t1 - t0 ? t1 - t0 : 1);
#else
	tsc_per_ns = 1;
#endif
}

/* getrusage allocates nothing, so reading it disturbs no per-CPU counter. */
static long nonvoluntary_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return -1;
	return ru.ru_nivcsw;
}

/*
 * The loop's own start-up leaves work for the kernel on its CPU: pages it
 * faulted in sit in the CPU's LRU batch, which a later lru_add_drain_all()
 * (khugepaged, compaction) drains with a kworker there, and the CPU's vmstat
 * deltas make vmstat_shepherd queue vmstat_update there. Both restart the
 * tick. A benchmark harness settles them before measuring; so does this.
 */
static void quiesce_own_cpu(void)
{
	/* munmap() drains the calling CPU's LRU batch (unmap_region). */
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		munmap(p, 4096);
}

/* Folds every CPU's vmstat deltas now, from a housekeeping CPU (root only). */
static void refresh_vmstat(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, "1", 1) < 0)
		fprintf(stderr, "tickcheck: note: cannot write /proc/sys/vm/stat_refresh: %s\n", strerror(errno));
	close(fd);
}

static void *busy_loop(void *arg)
{
	struct loop *l = arg;
	uint64_t threshold = (uint64_t)(gap_threshold_ns * tsc_per_ns);
	uint64_t prev, now;
	long switches0;
	unsigned int n = 0;

	if (quiesce)
		quiesce_own_cpu();
	atomic_fetch_add(&loops_ready, 1);
	while (atomic_load_explicit(&phase, memory_order_relaxed) == WARM_UP)
		;
	switches0 = nonvoluntary_switches();
	prev = cycles();
	while (atomic_load_explicit(&phase, memory_order_relaxed) == MEASURE) {
		now = cycles();
		if (now - prev > threshold) {
			uint64_t gap_ns = (uint64_t)((now - prev) / tsc_per_ns);
			uint64_t us = gap_ns / 1000;
			int b = 0;

			while (us > 1 && b < HIST_BUCKETS - 1) {
				us >>= 1;
				b++;
			}
			l->hist[b]++;
			l->gaps++;
			l->stolen_ns += gap_ns;
			if (gap_ns > l->max_gap_ns)
				l->max_gap_ns = gap_ns;
		}
		/* sched_getcpu() is a vDSO/rseq read: cheap enough every 64K turns. */
		if (!(++n & 0xffff) && sched_getcpu() != l->cpu)
			l->migrations++;
		l->iterations++;
		prev = now;
	}
	l->preempted = switches0 < 0 ? -1 : nonvoluntary_switches() - switches0;
	return NULL;
}

static int read_interrupts(struct irq_snapshot *s)
{
	FILE *f = fopen("/proc/interrupts", "r");
	int r;

	if (!f)
		return -1;
	r = irq_snapshot_read(f, s);
	fclose(f);
	return r;
}

/*
 * Sleeps @s seconds (at most DURATION_MAX_S, so the timespec cannot
 * overflow). A signal resumes the sleep with the time left; any other error
 * fails, since an unslept window would be measured as a tickless one.
 */
static int sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	if (ts.tv_nsec > 999999999)
		ts.tv_nsec = 999999999;
	while (nanosleep(&ts, &ts))
		if (errno != EINTR) {
			fprintf(stderr, "tickcheck: cannot sleep %g s: %s\n", s, strerror(errno));
			return -1;
		}
	return 0;
}

/*
 * The /proc/interrupts row that counts the tick (irq_timer_row: LOC on x86,
 * arch_timer on arm64), found in the first snapshot and looked up by the same
 * name in the second.
 */
static char timer_row[sizeof(((struct irq_row *)0)->name)];
static char timer_desc[sizeof(((struct irq_row *)0)->desc)];

/*
 * Every measured CPU needs its tick count in the snapshot: a row or column
 * that is missing would otherwise read as 0 ticks, a perfect pass.
 */
static int check_columns(const struct irq_snapshot *s, const struct loop *loops, int nloops, const char *when)
{
	unsigned long long v;

	if (!timer_row[0]) {
		int r = irq_timer_row(s);

		if (r < 0) {
			fprintf(stderr, "tickcheck: /proc/interrupts %s has no timer tick row: neither LOC (x86) nor arch_timer (arm64)\n",
				when);
			return -1;
		}
		snprintf(timer_row, sizeof(timer_row), "%s", s->rows[r].name);
		snprintf(timer_desc, sizeof(timer_desc), "%s", s->rows[r].desc);
	}
	for (int i = 0; i < nloops; i++)
		if (irq_lookup(s, timer_row, loops[i].cpu, &v)) {
			fprintf(stderr, "tickcheck: /proc/interrupts %s has no %s count for CPU %d: %s\n", when, timer_row,
				loops[i].cpu, irq_row_index(s, timer_row) < 0 ? "the row is gone" : "no column for it (is it online?)");
			return -1;
		}
	return 0;
}

/* Interrupts of row @name on @cpu between the snapshots; a row only in @after is new, counted from 0. */
static unsigned long long irq_between(const struct irq_snapshot *before, const struct irq_snapshot *after,
				      const char *name, int cpu)
{
	unsigned long long b = 0, a = 0;

	if (irq_lookup(after, name, cpu, &a))
		return 0;
	irq_lookup(before, name, cpu, &b);
	return irq_delta(b, a);
}

/* The kernel's nohz_full set: empty when full dynticks is not running. */
static void read_nohz_full(int max_cpu, cpu_set_t *set, char *text, size_t len)
{
	char err[128];
	FILE *f = fopen("/sys/devices/system/cpu/nohz_full", "r");

	CPU_ZERO(set);
	snprintf(text, len, "none");
	if (!f)
		return;
	if (fgets(text, (int)len, f)) {
		text[strcspn(text, "\n")] = '\0';
		if (cpulist_parse(text, max_cpu, set, err, sizeof(err)))
			snprintf(text, len, "none");
	}
	fclose(f);
}

static void usage(FILE *out)
{
	fputs("Usage: tickcheck [options]\n"
	      "Pins a busy loop to each CPU and counts the timer ticks and other\n"
	      "interrupts that reach it.\n\n"
	      "  -c, --cpu-list=LIST        CPUs to check, e.g. 1,3,7-15 or 1-N\n"
	      "                             (default: the nohz_full CPUs, else all but CPU 0)\n"
	      "  -D, --duration=TIME        measured time: 10, 10s, 5m, 1h (default 10s, at most 30d)\n"
	      "  -W, --warm-up=TIME         busy time before measuring (default 1s, at most 30d)\n"
	      "  -m, --max-ticks-per-sec=N  fail when a CPU takes more local timer\n"
	      "                             interrupts per second than N\n"
	      "  -T, --gap-threshold=NS     loop gaps longer than this count (default 1000)\n"
	      "      --no-quiesce           do not settle the loops' own LRU and vmstat\n"
	      "                             footprint before measuring\n"
	      "      --json=FILE            also write the results as JSON to FILE\n"
	      "  -q, --quiet                print only the summary table\n"
	      "  -h, --help                 this text\n\n"
	      "Exit status: 0 all CPUs within --max-ticks-per-sec, 1 a CPU exceeded it,\n"
	      "2 bad usage or the measurement could not run.\n", out);
}

struct result {
	int cpu;
	unsigned long long loc;
	double loc_per_s;
	unsigned long long other;
	int nohz_full;
	int exceeded;
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu-list", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'D' },
		{ "warm-up", required_argument, NULL, 'W' },
		{ "max-ticks-per-sec", required_argument, NULL, 'm' },
		{ "gap-threshold", required_argument, NULL, 'T' },
		{ "json", required_argument, NULL, 'j' },
		{ "no-quiesce", no_argument, NULL, 'Q' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cpulist = NULL, *json = NULL;
	double duration = 10, warm_up = 1, max_rate = -1, elapsed = 0;
	int quiet = 0, opt, max_cpu, nloops = 0, exit_code = 0, r_sleep = 0;
	cpu_set_t cpus, nohz, others;
	const char *cmdline = rtjson_cmdline(argc, argv);
	char nohz_text[256], err[256];
	struct irq_snapshot before, after;
	struct loop *loops;
	struct result *res;
	time_t start, end;
	uint64_t t0 = 0, t1 = 0;

	max_cpu = (int)sysconf(_SC_NPROCESSORS_CONF) - 1;
	while ((opt = getopt_long(argc, argv, "c:D:W:m:T:qh", opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'c':
			cpulist = optarg;
			break;
		case 'D':
			duration = duration_parse(optarg);
			if (duration <= 0) {
				fprintf(stderr, "tickcheck: bad --duration '%s' (e.g. 10, 30s, 5m, 1h; more than 0, at most 30d)\n",
					optarg);
				return 2;
			}
			break;
		case 'W':
			warm_up = duration_parse(optarg);
			if (warm_up < 0) {
				fprintf(stderr, "tickcheck: bad --warm-up '%s' (e.g. 0, 1s, 1m; at most 30d)\n", optarg);
				return 2;
			}
			break;
		case 'm':
			max_rate = strtod(optarg, &end);
			if (*end || end == optarg || !isfinite(max_rate) || max_rate < 0) {
				fprintf(stderr, "tickcheck: bad --max-ticks-per-sec '%s' (a number >= 0)\n", optarg);
				return 2;
			}
			break;
		case 'T':
			gap_threshold_ns = strtod(optarg, &end);
			if (*end || end == optarg || !isfinite(gap_threshold_ns) || gap_threshold_ns <= 0) {
				fprintf(stderr, "tickcheck: bad --gap-threshold '%s' (nanoseconds > 0)\n", optarg);
				return 2;
			}
			break;
		case 'j':
			json = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'Q':
			quiesce = 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tickcheck: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}

	read_nohz_full(max_cpu, &nohz, nohz_text, sizeof(nohz_text));
	if (cpulist) {
		if (cpulist_parse(cpulist, max_cpu, &cpus, err, sizeof(err))) {
			fprintf(stderr, "tickcheck: %s\n", err);
			return 2;
		}
	} else if (CPU_COUNT(&nohz)) {
		cpus = nohz;
	} else {
		CPU_ZERO(&cpus);
		for (int c = max_cpu ? 1 : 0; c <= max_cpu; c++)
			CPU_SET(c, &cpus);
	}

	/* The controlling thread stays off the measured CPUs where it can. */
	CPU_ZERO(&others);
	for (int c = 0; c <= max_cpu; c++)
		if (!CPU_ISSET(c, &cpus))
			CPU_SET(c, &others);
	if (CPU_COUNT(&others))
		sched_setaffinity(0, sizeof(others), &others);

	loops = calloc(CPU_COUNT(&cpus), sizeof(*loops));
	res = calloc(CPU_COUNT(&cpus), sizeof(*res));
	if (!loops || !res) {
		fprintf(stderr, "tickcheck: out of memory\n");
		return 2;
	}
	calibrate();
	/* Pages mapped from now on are populated at once: no faults while measuring. */
	if (quiesce && mlockall(MCL_CURRENT | MCL_FUTURE))
		fprintf(stderr, "tickcheck: note: mlockall failed (%s): page faults may disturb the loops\n",
			strerror(errno));
	for (int c = 0; c <= max_cpu; c++) {
		pthread_attr_t attr;
		cpu_set_t one;
		int e;

		if (!CPU_ISSET(c, &cpus))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		loops[nloops].cpu = c;
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		e = pthread_create(&loops[nloops].thread, &attr, busy_loop, &loops[nloops]);
		pthread_attr_destroy(&attr);
		if (e) {
			fprintf(stderr, "tickcheck: cannot run a loop on CPU %d: %s (is it online?)\n", c, strerror(e));
			atomic_store(&phase, STOP);
			exit_code = 2;
			break;
		}
		loops[nloops++].started = 1;
	}

	if (!exit_code) {
		struct timespec ms = { 0, 1000 * 1000 };

		while (atomic_load(&loops_ready) < nloops)
			nanosleep(&ms, NULL);
		if (quiesce)
			refresh_vmstat();
		if (sleep_s(warm_up)) {
			atomic_store(&phase, STOP);
			exit_code = 2;
		} else if (read_interrupts(&before)) {
			fprintf(stderr, "tickcheck: cannot read /proc/interrupts: is /proc mounted?\n");
			atomic_store(&phase, STOP);
			exit_code = 2;
		} else if (check_columns(&before, loops, nloops, "before the window")) {
			irq_snapshot_free(&before);
			atomic_store(&phase, STOP);
			exit_code = 2;
		}
	}
	start = time(NULL);
	if (!exit_code) {
		/* Rates come from the time that passed between the snapshots, not from what was asked. */
		t0 = now_ns();
		atomic_store(&phase, MEASURE);
		r_sleep = sleep_s(duration);
		atomic_store(&phase, STOP);
		if (r_sleep || read_interrupts(&after)) {
			if (!r_sleep)
				fprintf(stderr, "tickcheck: cannot read /proc/interrupts: is /proc mounted?\n");
			irq_snapshot_free(&before);
			exit_code = 2;
		} else if (check_columns(&after, loops, nloops, "after the window")) {
			irq_snapshot_free(&before);
			irq_snapshot_free(&after);
			exit_code = 2;
		}
		t1 = now_ns();
		elapsed = (t1 - t0) / 1e9;
	}
	end = time(NULL);
	for (int i = 0; i < nloops; i++)
		pthread_join(loops[i].thread, NULL);
	if (exit_code)
		return exit_code;

	if (!quiet) {
		char limit[32] = "none";

		if (max_rate >= 0)
			snprintf(limit, sizeof(limit), "%g/s", max_rate);
		printf("# tickcheck: %.1f s per CPU (%.3f s measured) after %.1f s warm-up; nohz_full: %s; tick limit: %s\n",
		       duration, elapsed, warm_up, nohz_text, limit);
		printf("# ticks: /proc/interrupts row %s (%s)\n", timer_row, timer_desc);
	}
	printf("# %4s %8s %9s %10s %8s %11s %11s %9s\n", "CPU", "ticks", "ticks/s", "other-irq",
	       "gaps", "max-gap-us", "stolen-us", "nohz_full");
	for (int i = 0; i < nloops; i++) {
		struct loop *l = &loops[i];
		struct result *r = &res[i];

		r->cpu = l->cpu;
		r->loc = irq_between(&before, &after, timer_row, l->cpu);
		r->loc_per_s = r->loc / elapsed;
		for (int row = 0; row < after.nrows; row++) {
			const char *name = after.rows[row].name;

			if (strcmp(name, timer_row))
				r->other += irq_between(&before, &after, name, l->cpu);
		}
		r->nohz_full = CPU_ISSET(l->cpu, &nohz);
		r->exceeded = max_rate >= 0 && r->loc_per_s > max_rate;
		if (r->exceeded)
			exit_code = 1;
		printf("  %4d %8llu %9.2f %10llu %8llu %11.2f %11.2f %9s\n", l->cpu, r->loc, r->loc_per_s,
		       r->other, (unsigned long long)l->gaps, l->max_gap_ns / 1e3, l->stolen_ns / 1e3,
		       r->nohz_full ? "yes" : "no");
	}
	for (int i = 0; i < nloops && !quiet; i++) {
		struct loop *l = &loops[i];

		printf("# CPU %d gaps (us):", l->cpu);
		for (int b = 0; b < HIST_BUCKETS; b++) {
			if (!l->hist[b])
				continue;
			if (b == HIST_BUCKETS - 1)
				printf(" >=%u:%llu", 1u << b, (unsigned long long)l->hist[b]);
			else
				printf(" %u-%u:%llu", 1u << b, 2u << b, (unsigned long long)l->hist[b]);
		}
		printf(l->gaps ? "\n" : " none\n");
		printf("# CPU %d other interrupts:", l->cpu);
		if (!res[i].other)
			printf(" none");
		for (int row = 0; row < after.nrows; row++) {
			const char *name = after.rows[row].name;
			unsigned long long d;

			if (!strcmp(name, timer_row))
				continue;
			d = irq_between(&before, &after, name, l->cpu);
			if (d)
				printf(" %s:%llu", name, d);
		}
		printf("\n");
	}
	for (int i = 0; i < nloops; i++) {
		struct loop *l = &loops[i];

		if (!res[i].nohz_full)
			fprintf(stderr, "tickcheck: warning: CPU %d is not in nohz_full (%s): its tick is expected to run\n",
				l->cpu, nohz_text);
		if (l->preempted > 0)
			fprintf(stderr, "tickcheck: warning: CPU %d: the loop was preempted %ld times: another task shares the CPU\n",
				l->cpu, l->preempted);
		if (l->migrations)
			fprintf(stderr, "tickcheck: warning: CPU %d: the loop ran elsewhere in %ld samples: the count is not for this CPU alone\n",
				l->cpu, l->migrations);
		if (res[i].exceeded)
			fprintf(stderr, "tickcheck: CPU %d: %.2f local timer interrupts/s exceeds --max-ticks-per-sec %g\n",
				l->cpu, res[i].loc_per_s, max_rate);
	}

	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			fprintf(stderr, "tickcheck: cannot write %s: %s\n", json, strerror(errno));
			return 2;
		}
		rtjson_begin(f, cmdline, start, end, exit_code);
		fprintf(f, ",\n  \"duration_s\": %g,\n  \"elapsed_s\": %.6f,\n  \"warm_up_s\": %g,\n  \"nohz_full\": ",
			duration, elapsed, warm_up);
		rtjson_string(f, nohz_text);
		fprintf(f, ",\n  \"timer_row\": ");
		rtjson_string(f, timer_row);
		fprintf(f, ",\n  \"max_ticks_per_sec\": ");
		if (max_rate < 0)
			fprintf(f, "null");
		else
			fprintf(f, "%g", max_rate);
		fprintf(f, ",\n  \"cpu\": {");
		for (int i = 0; i < nloops; i++) {
			struct loop *l = &loops[i];

			fprintf(f, "%s\n    \"%d\": {\"loc\": %llu, \"loc_per_s\": %.3f, \"other_irqs\": %llu, ",
				i ? "," : "", l->cpu, res[i].loc, res[i].loc_per_s, res[i].other);
			fprintf(f, "\"gaps\": %llu, \"max_gap_ns\": %llu, \"stolen_ns\": %llu, \"iterations\": %llu, ",
				(unsigned long long)l->gaps, (unsigned long long)l->max_gap_ns,
				(unsigned long long)l->stolen_ns, (unsigned long long)l->iterations);
			fprintf(f, "\"preempted\": %ld, \"migrated_samples\": %ld, \"nohz_full\": %s, \"exceeded\": %s, ",
				l->preempted, l->migrations, res[i].nohz_full ? "true" : "false",
				res[i].exceeded ? "true" : "false");
			fprintf(f, "\"gap_histogram_us\": {");
			for (int b = 0, first = 1; b < HIST_BUCKETS; b++)
				if (l->hist[b]) {
					fprintf(f, "%s\"%u\": %llu", first ? "" : ", ", 1u << b,
						(unsigned long long)l->hist[b]);
					first = 0;
				}
			fprintf(f, "}}");
		}
		fprintf(f, "\n  }");
		rtjson_end(f);
		fclose(f);
	}
	irq_snapshot_free(&before);
	irq_snapshot_free(&after);
	free(loops);
	free(res);
	return exit_code;
}
