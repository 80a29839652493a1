// SPDX-License-Identifier: GPL-2.0
#include "duration.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double unit_of(const char *suffix)
{
	if (!strcmp(suffix, "") || !strcmp(suffix, "s"))
		return 1;
	if (!strcmp(suffix, "m"))
		return 60;
	if (!strcmp(suffix, "h"))
		return 3600;
	if (!strcmp(suffix, "d"))
		return 86400;
	return -1;
}

double duration_parse(const char *str)
{
	char *end;
	double v, unit;

	errno = 0;
	v = strtod(str, &end);
	if (errno || end == str || !isfinite(v) || v < 0)
		return -1;
	unit = unit_of(end);
	if (unit < 0 || v * unit > DURATION_MAX_S)
		return -1;
	return v * unit;
}
