// SPDX-License-Identifier: GPL-2.0
#include "cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_cpu(const char **p, int max_cpu, int *cpu)
{
	char *end;
	long v;

	if (**p == 'N') {
		(*p)++;
		*cpu = max_cpu;
		return 0;
	}
	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno || v < 0 || v > 1 << 30)
		return -1;
	*p = end;
	*cpu = (int)v;
	return 0;
}

int cpulist_parse(const char *str, int max_cpu, cpu_set_t *set, char *err, size_t errlen)
{
	const char *p = str;

	CPU_ZERO(set);
	if (!strcmp(str, "all")) {
		for (int c = 0; c <= max_cpu; c++)
			CPU_SET(c, set);
		return 0;
	}
	while (*p) {
		int lo, hi;

		if (parse_cpu(&p, max_cpu, &lo))
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_cpu(&p, max_cpu, &hi) || hi < lo)
				goto bad;
		}
		if (hi > max_cpu || hi >= CPU_SETSIZE) {
			snprintf(err, errlen, "CPU %d in '%s' does not exist (highest is %d)", hi, str, max_cpu);
			return -1;
		}
		for (int c = lo; c <= hi; c++)
			CPU_SET(c, set);
		/* As the kernel's bitmap_parselist(): a comma must be followed by an item. */
		if (*p == ',') {
			if (!*++p)
				goto bad;
		} else if (*p) {
			goto bad;
		}
	}
	if (CPU_COUNT(set))
		return 0;
bad:
	snprintf(err, errlen, "bad CPU list '%s' (expected e.g. 1,3,7-15 or 1-N)", str);
	return -1;
}

void cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		int end = c;

		if (!CPU_ISSET(c, set))
			continue;
		while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
			end++;
		used += snprintf(buf + used, used < len ? len - used : 0, end > c ? "%s%d-%d" : "%s%d",
				 used ? "," : "", c, end);
		c = end;
	}
}

int cpulist_read_online(cpu_set_t *set, char *err, size_t errlen)
{
	char buf[4096];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		snprintf(err, errlen, "cannot read /sys/devices/system/cpu/online: is /sys mounted?");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return cpulist_parse(buf, CPU_SETSIZE - 1, set, err, errlen);
}
