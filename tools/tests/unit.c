// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of tools/lib: TAP output, run under ASan/UBSan by `make -C tools check`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cpulist.h"
#include "../lib/duration.h"
#include "../lib/grubcfg.h"
#include "../lib/interrupts.h"
#include "../lib/msrbatch.h"

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

/*
 * A /proc/interrupts as a kernel with @ncpus CPUs prints it: "CPU%-8d"
 * headers, IRQ numbers padded to 4 digits, "%10u " counts. Each count is
 * unique (row * 100000 + cpu), so a column read from the wrong place shows.
 */
static FILE *gen_interrupts(int ncpus, int with_loc)
{
	static const int irqs[] = { 0, 9, 1023, 4095 };
	FILE *f = tmpfile();

	if (!f)
		return NULL;
	fprintf(f, "%*s", 4 + 8, "");
	for (int c = 0; c < ncpus; c++)
		fprintf(f, "CPU%-8d", c);
	fprintf(f, "\n");
	for (size_t i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
		fprintf(f, "%4d: ", irqs[i]);
		for (int c = 0; c < ncpus; c++)
			fprintf(f, "%10u ", (unsigned)(i * 100000 + c));
		fprintf(f, " IR-PCI-MSI %d-edge      nvme0q%zu\n", irqs[i], i);
	}
	if (with_loc) {
		fprintf(f, "%4s: ", "LOC");
		for (int c = 0; c < ncpus; c++)
			fprintf(f, "%10u ", (unsigned)(4000000000u + c));
		fprintf(f, "  Local timer interrupts\n");
	}
	fprintf(f, "%4s: %10u\n", "ERR", 0);
	rewind(f);
	return f;
}

static void interrupts_wide_tests(void)
{
	static const int sizes[] = { 400, 1024, 4096 };
	char what[128];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ncpus = sizes[i], last = ncpus - 1;
		FILE *f = gen_interrupts(ncpus, 1);
		struct irq_snapshot s;
		unsigned long long v = 0;
		int r = f ? irq_snapshot_read(f, &s) : -1;

		if (f)
			fclose(f);
		snprintf(what, sizeof(what), "interrupts: %d CPUs: every header column is read", ncpus);
		ok(r == 0 && s.ncols == ncpus, what);
		if (r)
			continue;
		snprintf(what, sizeof(what), "interrupts: %d CPUs: LOC of the last CPU", ncpus);
		ok(irq_lookup(&s, "LOC", last, &v) == 0 && v == 4000000000ull + last, what);
		snprintf(what, sizeof(what), "interrupts: %d CPUs: 4-digit IRQ 4095 on the last CPU", ncpus);
		ok(irq_count(&s, "4095", last) == 300000ull + last && irq_count(&s, "1023", 370) == 200370, what);
		snprintf(what, sizeof(what), "interrupts: %d CPUs: a CPU beyond the header is missing, not 0", ncpus);
		ok(irq_lookup(&s, "LOC", ncpus, &v) == -1 && irq_col_index(&s, ncpus) == -1, what);
		irq_snapshot_free(&s);
	}
}

static void interrupts_missing_tests(void)
{
	FILE *f = gen_interrupts(400, 0);
	struct irq_snapshot s;
	unsigned long long v;

	ok(f && irq_snapshot_read(f, &s) == 0, "interrupts: a file without LOC still parses");
	if (f)
		fclose(f);
	ok(irq_lookup(&s, "LOC", 0, &v) == -1, "interrupts: a missing LOC row is reported as missing");
	ok(irq_timer_row(&s) == -1, "interrupts: no LOC and no arch_timer row: no timer row");
	irq_snapshot_free(&s);
	ok(irq_delta(10, 25) == 15, "interrupts: delta of a counter that did not wrap");
	ok(irq_delta(0xfffffff0ull, 0x10) == 0x20, "interrupts: delta across the 32-bit wrap");
	ok(irq_delta(0xffffffffull, 0) == 1, "interrupts: delta of one tick across the wrap");
}

/* Parses @text as a grub.cfg; returns grubcfg_parse's result, @err its message. */
static int parse_cfg(const char *text, struct grub_menu *m, char *err, size_t errlen)
{
	FILE *f = tmpfile();
	int r;

	if (!f)
		return -99;
	fputs(text, f);
	rewind(f);
	r = grubcfg_parse(f, m, err, errlen);
	fclose(f);
	return r;
}

/* A string of @n copies of @c (static: one at a time). */
static const char *repeat(char c, size_t n)
{
	static char buf[8192];

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void grubcfg_tests(const char *dir)
{
	char text[16384], err[256];
	struct grub_menu m;
	const struct grub_entry *e;
	FILE *f = fixture(dir, "grub-debian12.cfg");

	ok(f && grubcfg_parse(f, &m, err, sizeof(err)) == 0, "grubcfg: parses Debian 12's grub.cfg");
	if (f)
		fclose(f);
	e = grubcfg_entry_for_krel(&m, "6.1.0-56-tickless-amd64");
	ok(e && !strcmp(e->path, "gnulinux-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb>"
			     "gnulinux-6.1.0-56-tickless-amd64-advanced-5b3d1469-0441-46ec-966f-81adce8cfddb"),
	   "grubcfg: the tickless kernel's submenu entry");
	ok(!strcmp(m.default_expr, "${saved_entry}"), "grubcfg: set default outside next_entry");
	e = grubcfg_resolve(&m, "tickless-nohz-full-off");
	ok(e && !strcmp(e->title, "tickless test: nohz_full= (default off)"), "grubcfg: an unquoted --id");
	grubcfg_free(&m);

	/* A linux line longer than any fixed buffer, whose tail reads like a menuentry line. */
	snprintf(text, sizeof(text),
		 "menuentry 'real' --id 'real-id' {\n\tlinux /boot/vmlinuz-1.0-tickless-x root=/dev/sda %s"
		 "menuentry 'x' --id 'evil-id' {\n}\nset default=\"evil-id\"\n",
		 repeat('a', 4095 - 40));
	ok(parse_cfg(text, &m, err, sizeof(err)) == 0 && m.n == 1 && !strcmp(m.e[0].path, "real-id") &&
	   !strcmp(m.e[0].krel, "1.0-tickless-x") && !grubcfg_resolve(&m, "evil-id"),
	   "grubcfg: a long line's tail is not parsed as a line of its own");
	grubcfg_free(&m);
	snprintf(text, sizeof(text), "menuentry 'a' --id 'a' {\n}\nmenuentry 'b' --id %s {\n}\n",
		 repeat('b', 9000));
	ok(parse_cfg(text, &m, err, sizeof(err)) == -2 && strstr(err, "line 3") && strstr(err, "too long"),
	   "grubcfg: an id longer than its field is refused, not cut");

	ok(parse_cfg("menuentry 'first' --id 'first-entry-id' {\n}\nmenuentry 'second' --id 'unclosed {\n}\n", &m,
		     err, sizeof(err)) == -2 && strstr(err, "line 3: menu entry id: unclosed quote"),
	   "grubcfg: an unclosed quote in an id is refused (no stale bytes of the previous id)");
	ok(parse_cfg("menuentry 'unclosed title {\n}\n", &m, err, sizeof(err)) == -2 && strstr(err, "unclosed quote"),
	   "grubcfg: an unclosed quote in a title is refused");

	snprintf(text, sizeof(text), "menuentry '%s' --id ok {\n}\n", repeat('t', 255));
	ok(parse_cfg(text, &m, err, sizeof(err)) == 0 && strlen(m.e[0].title) == 255,
	   "grubcfg: a 255-byte title fits");
	grubcfg_free(&m);
	snprintf(text, sizeof(text), "menuentry '%s' --id ok {\n}\n", repeat('t', 256));
	ok(parse_cfg(text, &m, err, sizeof(err)) == -2 && strstr(err, "title: too long"),
	   "grubcfg: a 256-byte title is refused, not cut");
	snprintf(text, sizeof(text), "menuentry 'x' --id '%s' {\n}\n", repeat('i', 256));
	ok(parse_cfg(text, &m, err, sizeof(err)) == -2 && strstr(err, "id: too long"),
	   "grubcfg: a 256-byte id is refused, not cut");
	snprintf(text, sizeof(text), "submenu 's' --id '%s' {\nmenuentry 'x' --id '%s' {\n}\n}\n", repeat('s', 255),
		 "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii");
	ok(parse_cfg(text, &m, err, sizeof(err)) == -2 && strstr(err, "line 2") && strstr(err, "too long"),
	   "grubcfg: an overlong entry id inside a submenu is refused");

	ok(parse_cfg("menuentry 'x' --id '-evil' {\n\tlinux /boot/vmlinuz-2.0-x\n}\n", &m, err, sizeof(err)) == 0 &&
	   !strcmp(m.e[0].path, "-evil") && grubcfg_entry_for_krel(&m, "2.0-x") == &m.e[0],
	   "grubcfg: an id starting with '-' is kept as it is (tickless-boot refuses to pass it on)");
	grubcfg_free(&m);
	ok(parse_cfg("menuentry 'a --id forged' --id=real 'it'\\''s' {\n}\n", &m, err, sizeof(err)) == 0 &&
	   !strcmp(m.e[0].path, "real") && !strcmp(m.e[0].title, "a --id forged"),
	   "grubcfg: --id inside a title does not count; --id=ID does");
	grubcfg_free(&m);
	ok(parse_cfg("menuentry \"Windows \\\"10\\\"\" {\n}\n", &m, err, sizeof(err)) == 0 &&
	   !strcmp(m.e[0].title, "Windows \"10\"") && !strcmp(m.e[0].path, "Windows \"10\""),
	   "grubcfg: a double-quoted title of a custom entry");
	grubcfg_free(&m);
	ok(parse_cfg("set default=\"0\"\n", &m, err, sizeof(err)) == -1 && strstr(err, "no menu entry"),
	   "grubcfg: a file without entries is refused");

	f = tmpfile();
	if (f) {
		char val[16];

		fprintf(f, "# GRUB Environment Block\nsaved_entry=%s\nnext_entry=short\n", repeat('e', 2000));
		rewind(f);
		ok(grubenv_get(f, "saved_entry", val, sizeof(val)) == -1 && !val[0], "grubenv: a value too long is refused");
		rewind(f);
		ok(grubenv_get(f, "next_entry", val, sizeof(val)) == 0 && !strcmp(val, "short"),
		   "grubenv: the line after a 2000-byte one");
		fclose(f);
	}
}

/* A fake /dev/cpu/N/msr: a sparse file whose offset is the MSR number, as pread sees the device. */
static void fake_msr(const char *root, int cpu, uint32_t msr, uint64_t value)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%d", root, cpu);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/msr", root, cpu);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0) {
		if (pwrite(fd, &value, sizeof(value), msr) != sizeof(value))
			perror("pwrite");
		close(fd);
	}
}

static void msrbatch_tests(void)
{
	char err[256] = "", root[] = "/tmp/msrbatch-unit-XXXXXX";
	struct msrbatch mb = { .via = MSRBATCH_DEVMSR };
	uint64_t values[4 * 2] = { 0, 0, 0, 0, 7, 7, 7, 7 }, tscs[4] = { 9, 9, 9, 9 };
	uint32_t msr = 0, msrs[2] = { 0xe8, 0x10 };
	cpu_set_t cpus;

	ok(msrbatch_lookup("aperf", &msr, err, sizeof(err)) == 0 && msr == 0xe8, "msrbatch: name lookup");
	ok(msrbatch_lookup("MPERF", &msr, err, sizeof(err)) == 0 && msr == 0xe7, "msrbatch: names ignore case");
	ok(msrbatch_lookup("0x30a", &msr, err, sizeof(err)) == 0 && msr == 0x30a, "msrbatch: hexadecimal number");
	ok(msrbatch_lookup("16", &msr, err, sizeof(err)) == 0 && msr == 0x10, "msrbatch: decimal number");
	ok(msrbatch_lookup("0x1a0", &msr, err, sizeof(err)) == -1 && strstr(err, "not on the kernel's allowlist"),
	   "msrbatch: a number off the allowlist is refused by name");
	ok(msrbatch_lookup("bogus", &msr, err, sizeof(err)) == -1 && strstr(err, "unknown register 'bogus'"),
	   "msrbatch: an unknown name is refused");
	ok(msrbatch_lookup("0x1zz", &msr, err, sizeof(err)) == -1 && strstr(err, "bad register number"),
	   "msrbatch: a malformed number is refused");
	ok(msrbatch_lookup("0x100000000", &msr, err, sizeof(err)) == -1, "msrbatch: a number beyond 32 bits is refused");

	if (!mkdtemp(root)) {
		ok(0, "msrbatch: temporary directory");
		return;
	}
	fake_msr(root, 0, 0xe8, 111);
	fake_msr(root, 0, 0x10, 222);
	fake_msr(root, 2, 0xe8, 333);
	fake_msr(root, 2, 0x10, 444);
	mb.devmsr_root = root;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	CPU_SET(2, &cpus);
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 2, err, sizeof(err)) == 2, "msrbatch: reads through N/msr, one row per CPU");
	ok(values[0] == 111 && values[1] == 222 && values[2] == 333 && values[3] == 444,
	   "msrbatch: rows are dense: CPU 0 in row 0, CPU 2 in row 1");
	ok(values[4] == 7 && tscs[2] == 9, "msrbatch: nothing is written past the last row");
	ok(tscs[0] == 0 && tscs[1] == 0, "msrbatch: no TSC stamp through /dev/cpu/N/msr");
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 1, err, sizeof(err)) == -ERANGE && strstr(err, "room for 1 rows"),
	   "msrbatch: rows that do not fit are refused before any read");
	ok(mb.via == MSRBATCH_DEVMSR, "msrbatch: reports the path it used");

	msrs[1] = 0x30a;	/* allowlisted, but the fake CPU has nothing there */
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 4, err, sizeof(err)) < 0 && strstr(err, "MSR 0x30a cannot be read on CPU 0"),
	   "msrbatch: a register the CPU lacks is named with its CPU");
	CPU_SET(1, &cpus);
	msrs[1] = 0x10;
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 4, err, sizeof(err)) == -ENOENT && strstr(err, "modprobe msr"),
	   "msrbatch: a missing N/msr says to load the msr module");
	msrs[1] = 0x1a0;
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 4, err, sizeof(err)) == -EINVAL && strstr(err, "allowlist"),
	   "msrbatch: a register off the allowlist is refused before any read");
	ok(msrbatch_read(&mb, msrs, 0, &cpus, values, tscs, 4, err, sizeof(err)) == -EINVAL, "msrbatch: zero registers refused");
	CPU_ZERO(&cpus);
	msrs[1] = 0x10;
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 4, err, sizeof(err)) == -EINVAL && strstr(err, "no CPU"),
	   "msrbatch: an empty CPU set is refused");

	/* A system call number no kernel has stands in for a kernel without msr_batch_read(). */
	mb = (struct msrbatch){ .via = MSRBATCH_SYSCALL, .syscall_nr = 4095 };
	CPU_SET(0, &cpus);
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 4, err, sizeof(err)) == -ENOSYS && strstr(err, "no msr_batch_read()"),
	   "msrbatch: --syscall on a kernel without the call fails and says so");
	mb = (struct msrbatch){ .via = MSRBATCH_AUTO, .syscall_nr = 4095, .devmsr_root = root };
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 4, err, sizeof(err)) == 1 && mb.via == MSRBATCH_DEVMSR,
	   "msrbatch: automatic mode falls back to N/msr");
	mb = (struct msrbatch){ .via = MSRBATCH_AUTO, .syscall_nr = 4095, .devmsr_root = "/nonexistent" };
	ok(msrbatch_read(&mb, msrs, 2, &cpus, values, tscs, 4, err, sizeof(err)) == -ENOENT &&
	   strstr(err, "no msr_batch_read() and no /dev/cpu/N/msr"),
	   "msrbatch: automatic mode with neither path names both and both fixes");

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		ok(0, "msrbatch: cleanup");
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
	ok(list_fails("1,", 3, "bad CPU list"), "cpulist: a trailing comma is refused, as by the kernel");
	ok(list_fails(",1", 3, "bad CPU list"), "cpulist: a leading comma is refused");
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
	ok(duration_parse("30d") == DURATION_MAX_S, "duration: 30d is the longest");
	ok(duration_parse("31d") < 0 && duration_parse("2592001") < 0, "duration: more than 30 days is refused");
	ok(duration_parse("1e305d") < 0 && duration_parse("1e300") < 0, "duration: a huge number is refused, not infinity");

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
	ok(irq_timer_row(&s) == irq_row_index(&s, "LOC"), "interrupts: x86's timer row is LOC");
	irq_snapshot_free(&s);

	f = fixture(dir, "interrupts-arm64.txt");
	ok(f && irq_snapshot_read(f, &s) == 0, "interrupts: parses an arm64 (GICv3) file");
	if (f)
		fclose(f);
	ok(irq_timer_row(&s) >= 0 && !strcmp(s.rows[irq_timer_row(&s)].name, "11"),
	   "interrupts: arm64's timer row is the arch_timer one, by handler, not kvm guest ptimer");
	ok(irq_count(&s, "11", 1) == 2499, "interrupts: arch_timer of CPU 1");
	ok(irq_count(&s, "IPI0", 1) == 45, "interrupts: IPI rows are per-CPU rows");
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

	interrupts_wide_tests();
	interrupts_missing_tests();
	grubcfg_tests(dir);
	msrbatch_tests();

	printf("1..%d\n", n);
	return failed;
}
