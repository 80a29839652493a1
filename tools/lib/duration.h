/* SPDX-License-Identifier: GPL-2.0 */
/* rt-tests style durations: "60" (seconds), "90s", "20m", "2h", "1d". */
#ifndef TICKLESS_DURATION_H
#define TICKLESS_DURATION_H

/* The longest duration accepted: 30 days. Anything longer is a typo (1e305d)
 * and would overflow a struct timespec into an empty or endless sleep. */
#define DURATION_MAX_S (30 * 86400.0)

/* Returns the duration in seconds, or -1 for anything else, including more than DURATION_MAX_S. */
double duration_parse(const char *str);

#endif
