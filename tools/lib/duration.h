/* SPDX-License-Identifier: GPL-2.0 */
/* rt-tests style durations: "60" (seconds), "90s", "20m", "2h", "1d". */
#ifndef TICKLESS_DURATION_H
#define TICKLESS_DURATION_H

/* Returns the duration in seconds, or -1 for anything else. */
double duration_parse(const char *str);

#endif
