/* SPDX-License-Identifier: GPL-2.0 */
/* CPU list parsing shared by the tools: "1,3,7-15", "all", and "N" for the last CPU. */
#ifndef TICKLESS_CPULIST_H
#define TICKLESS_CPULIST_H

#define _GNU_SOURCE
#include <sched.h>

/*
 * Parses @str into @set. "N" stands for @max_cpu (the highest CPU number),
 * as in the kernel's own cpu lists, and "all" for 0-@max_cpu.
 * Returns 0, or -1 with a message in @err (of @errlen bytes).
 */
int cpulist_parse(const char *str, int max_cpu, cpu_set_t *set, char *err, size_t errlen);

/* Reads the online CPUs from /sys/devices/system/cpu/online. Returns 0, or -1 with a message in @err. */
int cpulist_read_online(cpu_set_t *set, char *err, size_t errlen);

/* Formats @set as a compact list ("1,3,7-15") into @buf. */
void cpulist_format(const cpu_set_t *set, char *buf, size_t len);

#endif
