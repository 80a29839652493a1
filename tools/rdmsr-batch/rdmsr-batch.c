// SPDX-License-Identifier: GPL-2.0
/*
 * rdmsr-batch: read allowlisted MSRs on one, several or all CPUs in one
 * msr_batch_read() call, with msr-tools' rdmsr flags. Falls back to
 * /dev/cpu/N/msr on kernels without the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cpulist.h"
#include "../lib/msrbatch.h"

#define VERSION "1.0"

enum format { HEX, CAPHEX, SIGNED, UNSIGNED };

static void usage(FILE *f)
{
	fputs("Usage: rdmsr-batch [OPTION]... REGISTER...\n"
	      "Read MSRs (by name or number) on a set of CPUs in one system call.\n"
	      "\n"
	      "  -p, --processor=LIST   CPUs to read on, e.g. 0 or 1,3,7-15 (default 0)\n"
	      "  -a, --all              every online CPU\n"
	      "  -x, --hexadecimal      hexadecimal output, lower case (default)\n"
	      "  -X, --capital-hex      hexadecimal output, upper case\n"
	      "  -d, --decimal          signed decimal output\n"
	      "  -u, --unsigned         unsigned decimal output\n"
	      "  -c, --c-language       hexadecimal with a 0x prefix\n"
	      "  -0, --zero-pad         pad hexadecimal to 16 digits\n"
	      "  -t, --tsc              first column: the TSC at which the CPU read\n"
	      "  -v, --verbose          prefix each line with its CPU; say how it was read\n"
	      "      --dev[=DIR]        use /dev/cpu/N/msr (or DIR/N/msr), not the system call\n"
	      "      --syscall          use msr_batch_read() only, never /dev/cpu/N/msr\n"
	      "  -l, --list             list the registers that can be read\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          the version\n"
	      "\n"
	      "One line per CPU, one column per REGISTER in the order given.\n", f);
}

static void print_value(uint64_t v, enum format fmt, int c_style, int pad)
{
	switch (fmt) {
	case SIGNED:
		printf("%" PRId64, (int64_t)v);
		break;
	case UNSIGNED:
		printf("%" PRIu64, v);
		break;
	case CAPHEX:
		printf("%s%0*" PRIX64, c_style ? "0x" : "", pad ? 16 : 0, v);
		break;
	case HEX:
		printf("%s%0*" PRIx64, c_style ? "0x" : "", pad ? 16 : 0, v);
		break;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "processor", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "hexadecimal", no_argument, NULL, 'x' },
		{ "capital-hex", no_argument, NULL, 'X' },
		{ "decimal", no_argument, NULL, 'd' },
		{ "unsigned", no_argument, NULL, 'u' },
		{ "c-language", no_argument, NULL, 'c' },
		{ "zero-pad", no_argument, NULL, '0' },
		{ "tsc", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dev", optional_argument, NULL, 'D' },
		{ "syscall", no_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct msrbatch mb = { .via = MSRBATCH_AUTO };
	enum format fmt = HEX;
	int c_style = 0, pad = 0, show_tsc = 0, verbose = 0, all = 0, opt, ret, rows, row = 0;
	const char *cpus_arg = "0";
	uint32_t msrs[MSR_BATCH_MAX_MSRS];
	uint64_t *values, *tscs;
	unsigned int nr = 0;
	char err[256];
	cpu_set_t cpus;

	while ((opt = getopt_long(argc, argv, "p:axXduc0tvlhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': cpus_arg = optarg; break;
		case 'a': all = 1; break;
		case 'x': fmt = HEX; break;
		case 'X': fmt = CAPHEX; break;
		case 'd': fmt = SIGNED; break;
		case 'u': fmt = UNSIGNED; break;
		case 'c': c_style = 1; break;
		case '0': pad = 1; break;
		case 't': show_tsc = 1; break;
		case 'v': verbose = 1; break;
		case 'D':
			mb.via = MSRBATCH_DEVMSR;
			mb.devmsr_root = optarg;
			break;
		case 'S': mb.via = MSRBATCH_SYSCALL; break;
		case 'l':
			for (const struct msrbatch_reg *r = msrbatch_regs; r->name; r++)
				printf("%-20s %#6x  %s\n", r->name, r->msr, r->what);
			return 0;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rdmsr-batch " VERSION "\n"); return 0;
		default:
			fprintf(stderr, "rdmsr-batch: see --help for the options\n");
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "rdmsr-batch: no register given: name one (see --list), e.g. rdmsr-batch -a tsc\n");
		return 2;
	}
	if (argc - optind > MSR_BATCH_MAX_MSRS) {
		fprintf(stderr, "rdmsr-batch: %d registers given, at most %d can be read at once\n",
			argc - optind, MSR_BATCH_MAX_MSRS);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (msrbatch_lookup(argv[i], &msrs[nr++], err, sizeof(err))) {
			fprintf(stderr, "rdmsr-batch: %s\n", err);
			return 2;
		}
	}
	if (all ? cpulist_read_online(&cpus, err, sizeof(err)) :
		  cpulist_parse(cpus_arg, CPU_SETSIZE - 1, &cpus, err, sizeof(err))) {
		fprintf(stderr, "rdmsr-batch: %s\n", err);
		return 2;
	}
	/* One row per CPU asked for, in CPU order, as the call writes them. */
	rows = CPU_COUNT(&cpus);
	values = calloc((size_t)rows * nr, sizeof(*values));
	tscs = calloc((size_t)rows, sizeof(*tscs));
	if (!values || !tscs) {
		fprintf(stderr, "rdmsr-batch: out of memory\n");
		return 1;
	}
	ret = msrbatch_read(&mb, msrs, nr, &cpus, values, tscs, (unsigned int)rows, err, sizeof(err));
	if (ret != rows) {
		if (ret >= 0)
			snprintf(err, sizeof(err), "%d rows read for %d CPUs: the kernel and this program disagree on msr_batch_read()", ret, rows);
		fprintf(stderr, "rdmsr-batch: %s\n", err);
		free(values);
		free(tscs);
		return 1;
	}
	if (verbose)
		fprintf(stderr, "rdmsr-batch: read through %s\n",
			mb.via == MSRBATCH_SYSCALL ? "msr_batch_read()" : "/dev/cpu/N/msr");
	for (int cpu = 0; cpu < CPU_SETSIZE && row < rows; cpu++) {
		if (!CPU_ISSET(cpu, &cpus))
			continue;
		if (verbose)
			printf("%d:", cpu);
		if (show_tsc) {
			printf("%s", verbose ? " " : "");
			print_value(tscs[row], fmt, c_style, pad);
		}
		for (unsigned int i = 0; i < nr; i++) {
			printf("%s", (verbose || show_tsc || i) ? " " : "");
			print_value(values[(size_t)row * nr + i], fmt, c_style, pad);
		}
		putchar('\n');
		row++;
	}
	free(values);
	free(tscs);
	return 0;
}
