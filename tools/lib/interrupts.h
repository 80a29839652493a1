/* SPDX-License-Identifier: GPL-2.0 */
/* Snapshots of /proc/interrupts, per row and per CPU, and their differences. */
#ifndef TICKLESS_INTERRUPTS_H
#define TICKLESS_INTERRUPTS_H

#include <stdio.h>

struct irq_row {
	char name[32];		/* "LOC", "CAL", "24", ... */
	char desc[96];		/* "Local timer interrupts", "PCI-MSI ... virtio0" */
	unsigned long long *count;	/* one per column, see cpu_of_col */
};

struct irq_snapshot {
	int ncols;		/* online CPUs when the file was read */
	int *cpu_of_col;	/* header "CPU<n>" of each column */
	int nrows;
	struct irq_row *rows;
};

/* Reads a /proc/interrupts-format stream. Returns 0, or -1 if it is not one. */
int irq_snapshot_read(FILE *f, struct irq_snapshot *s);
void irq_snapshot_free(struct irq_snapshot *s);

/* The count of row @name on @cpu; 0 if either is absent. */
unsigned long long irq_count(const struct irq_snapshot *s, const char *name, int cpu);

/* The column of @cpu, or -1 when the header has no "CPU<cpu>". */
int irq_col_index(const struct irq_snapshot *s, int cpu);

/* Like irq_count, but tells absence apart from 0: returns 0 and sets
 * *count, or -1 when the row or the CPU's column is missing. A measurement
 * must not read a missing column as "no interrupts". */
int irq_lookup(const struct irq_snapshot *s, const char *name, int cpu, unsigned long long *count);

/* after - before of one per-CPU counter. The kernel keeps them in 32 bits
 * (unsigned int), so a smaller @after is one wrap past 2^32. */
unsigned long long irq_delta(unsigned long long before, unsigned long long after);

/* The row index of @name, or -1. */
int irq_row_index(const struct irq_snapshot *s, const char *name);

/* The row of the periodic tick, or -1 when there is none: "LOC" (local timer
 * interrupts) on x86; on arm64 the architected timer's row, which is named by
 * its IRQ number (different under DT and ACPI), so it is found by its
 * handler's name, "arch_timer", the last word of the description. */
int irq_timer_row(const struct irq_snapshot *s);

#endif
