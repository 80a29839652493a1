// SPDX-License-Identifier: GPL-2.0
#include "interrupts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int parse_header(const char *line, struct irq_snapshot *s)
{
	const char *p = line;
	int n = 0, cap = 16;

	s->cpu_of_col = malloc(cap * sizeof(*s->cpu_of_col));
	if (!s->cpu_of_col)
		return -1;
	while ((p = strstr(p, "CPU"))) {
		char *end;
		long cpu = strtol(p + 3, &end, 10);

		if (end == p + 3)
			return -1;
		if (n == cap) {
			int *grown = realloc(s->cpu_of_col, 2 * cap * sizeof(*grown));

			if (!grown)
				return -1;
			s->cpu_of_col = grown;
			cap *= 2;
		}
		s->cpu_of_col[n++] = (int)cpu;
		p = end;
	}
	s->ncols = n;
	return n ? 0 : -1;
}

/* Fills @row from "  NAME:   c0   c1 ...  description". Rows with fewer
 * counts than CPUs (ERR, MIS) are not per-CPU and are skipped (returns 1).
 */
static int parse_row(char *line, int ncols, struct irq_row *row)
{
	char *colon = strchr(line, ':');
	char *p, *name = line;
	size_t len;

	if (!colon)
		return 1;
	*colon = '\0';
	while (isspace((unsigned char)*name))
		name++;
	snprintf(row->name, sizeof(row->name), "%.*s", (int)sizeof(row->name) - 1, name);
	row->count = calloc(ncols, sizeof(*row->count));
	if (!row->count)
		return -1;
	p = colon + 1;
	for (int c = 0; c < ncols; c++) {
		char *end;

		while (isspace((unsigned char)*p))
			p++;
		if (!isdigit((unsigned char)*p)) {
			free(row->count);
			row->count = NULL;
			return 1;
		}
		row->count[c] = strtoull(p, &end, 10);
		p = end;
	}
	while (isspace((unsigned char)*p))
		p++;
	len = strcspn(p, "\n");
	snprintf(row->desc, sizeof(row->desc), "%.*s", (int)len, p);
	return 0;
}

/*
 * Whole lines, however long: the header and every row grow by 11 bytes per
 * CPU, so a fixed buffer cuts off the CPUs past its end (4096 bytes hold about
 * 370), and those would then read as CPUs that took no interrupt at all.
 */
int irq_snapshot_read(FILE *f, struct irq_snapshot *s)
{
	char *line = NULL;
	size_t size = 0;
	int cap = 0;

	memset(s, 0, sizeof(*s));
	if (getline(&line, &size, f) < 0 || parse_header(line, s))
		goto fail;
	while (getline(&line, &size, f) >= 0) {
		struct irq_row row = { 0 };
		int r;

		r = parse_row(line, s->ncols, &row);
		if (r < 0)
			goto fail;
		if (r > 0)
			continue;
		if (s->nrows == cap) {
			struct irq_row *grown;

			cap = cap ? 2 * cap : 64;
			grown = realloc(s->rows, cap * sizeof(*grown));
			if (!grown) {
				free(row.count);
				goto fail;
			}
			s->rows = grown;
		}
		s->rows[s->nrows++] = row;
	}
	if (ferror(f))
		goto fail;
	free(line);
	return 0;
fail:
	free(line);
	irq_snapshot_free(s);
	return -1;
}

void irq_snapshot_free(struct irq_snapshot *s)
{
	for (int r = 0; r < s->nrows; r++)
		free(s->rows[r].count);
	free(s->rows);
	free(s->cpu_of_col);
	memset(s, 0, sizeof(*s));
}

int irq_row_index(const struct irq_snapshot *s, const char *name)
{
	for (int r = 0; r < s->nrows; r++)
		if (!strcmp(s->rows[r].name, name))
			return r;
	return -1;
}

static int desc_ends_with(const char *desc, const char *word)
{
	size_t d = strlen(desc), w = strlen(word);

	return d >= w && !strcmp(desc + d - w, word) && (d == w || isspace((unsigned char)desc[d - w - 1]));
}

int irq_timer_row(const struct irq_snapshot *s)
{
	int r = irq_row_index(s, "LOC");

	if (r >= 0)
		return r;
	for (r = 0; r < s->nrows; r++)
		if (desc_ends_with(s->rows[r].desc, "arch_timer"))
			return r;
	return -1;
}

int irq_col_index(const struct irq_snapshot *s, int cpu)
{
	/* With every CPU online, CPU n is column n: no search over 4096 columns per lookup. */
	if (cpu >= 0 && cpu < s->ncols && s->cpu_of_col[cpu] == cpu)
		return cpu;
	for (int c = 0; c < s->ncols; c++)
		if (s->cpu_of_col[c] == cpu)
			return c;
	return -1;
}

int irq_lookup(const struct irq_snapshot *s, const char *name, int cpu, unsigned long long *count)
{
	int r = irq_row_index(s, name), c = irq_col_index(s, cpu);

	if (r < 0 || c < 0)
		return -1;
	*count = s->rows[r].count[c];
	return 0;
}

unsigned long long irq_count(const struct irq_snapshot *s, const char *name, int cpu)
{
	unsigned long long v;

	return irq_lookup(s, name, cpu, &v) ? 0 : v;
}

unsigned long long irq_delta(unsigned long long before, unsigned long long after)
{
	if (after >= before)
		return after - before;
	return (after + (1ull << 32) - before) & 0xffffffffull;
}
