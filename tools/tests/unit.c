// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of tools/lib: TAP output, run under ASan/UBSan by `make -C tools check`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../lib/cpulist.h"
#include "../lib/duration.h"
#include "../lib/interrupts.h"

static int n, failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	if (!cond)
		failed = 1;
}

static int list_is(const char *in, int max_cpu, const char *want)
{
	char err[128], out[128];
	cpu_set_t set;

	if (cpulist_parse(in, max_cpu, &set, err, sizeof(err)))
		return 0;
	cpulist_format(&set, out, sizeof(out));
	return !strcmp(out, want);
}

static int list_fails(const char *in, int max_cpu, const char *msg)
{
	char err[128] = "";
	cpu_set_t set;

	return cpulist_parse(in, max_cpu, &set, err, sizeof(err)) == -1 && strstr(err, msg);
}

static FILE *fixture(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "r");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fixtures";
	struct irq_snapshot s;
	FILE *f;

	ok(list_is("1", 3, "1"), "cpulist: single CPU");
	ok(list_is("1,3,7-9", 15, "1,3,7-9"), "cpulist: list and range");
	ok(list_is("1-N", 7, "1-7"), "cpulist: N is the last CPU");
	ok(list_is("all", 3, "0-3"), "cpulist: all");
	ok(list_is("3,1,2", 3, "1-3"), "cpulist: order does not matter, output is compact");
	ok(list_fails("4", 3, "does not exist"), "cpulist: CPU beyond the last is refused");
	ok(list_fails("3-1", 3, "bad CPU list"), "cpulist: reversed range is refused");
	ok(list_fails("1,,2", 3, "bad CPU list"), "cpulist: empty item is refused");
	ok(list_fails("", 3, "bad CPU list"), "cpulist: empty list is refused");
	ok(list_fails("x", 3, "bad CPU list"), "cpulist: garbage is refused");
	ok(list_fails("-1", 3, "bad CPU list"), "cpulist: negative is refused");

	ok(duration_parse("10") == 10, "duration: bare seconds");
	ok(duration_parse("90s") == 90, "duration: s");
	ok(duration_parse("20m") == 1200, "duration: m");
	ok(duration_parse("2h") == 7200, "duration: h");
	ok(duration_parse("1d") == 86400, "duration: d");
	ok(duration_parse("1.5") == 1.5, "duration: fractions");
	ok(duration_parse("10x") < 0, "duration: unknown unit is refused");
	ok(duration_parse("-1") < 0, "duration: negative is refused");
	ok(duration_parse("nan") < 0, "duration: nan is refused");
	ok(duration_parse("") < 0, "duration: empty is refused");

	f = fixture(dir, "interrupts-2cpu.txt");
	ok(f && irq_snapshot_read(f, &s) == 0, "interrupts: parses a 2-CPU file");
	if (f)
		fclose(f);
	ok(s.ncols == 2, "interrupts: two CPU columns");
	ok(irq_count(&s, "LOC", 1) == 2350, "interrupts: LOC of CPU 1");
	ok(irq_count(&s, "LOC", 0) == 24112, "interrupts: LOC of CPU 0");
	ok(irq_count(&s, "4", 1) == 305, "interrupts: numbered row");
	ok(irq_row_index(&s, "ERR") < 0, "interrupts: rows without per-CPU counts are skipped");
	ok(irq_count(&s, "NOPE", 1) == 0, "interrupts: an absent row counts 0");
	ok(!strcmp(s.rows[irq_row_index(&s, "LOC")].desc, "Local timer interrupts"), "interrupts: description kept");
	irq_snapshot_free(&s);

	f = fixture(dir, "interrupts-offline.txt");
	ok(f && irq_snapshot_read(f, &s) == 0, "interrupts: parses a file with an offline CPU");
	if (f)
		fclose(f);
	ok(irq_count(&s, "LOC", 2) == 200 && irq_count(&s, "LOC", 1) == 0,
	   "interrupts: columns map to the CPU numbers of the header");
	irq_snapshot_free(&s);

	f = fixture(dir, "interrupts-bad.txt");
	ok(f && irq_snapshot_read(f, &s) == -1, "interrupts: a file without a CPU header is refused");
	if (f)
		fclose(f);

	printf("1..%d\n", n);
	return failed;
}
