/* SPDX-License-Identifier: GPL-2.0 */
/* JSON output in the rt-tests envelope (file_version, cmdline, times, sysinfo), shared by the tools. */
#ifndef TICKLESS_RTJSON_H
#define TICKLESS_RTJSON_H

#include <stdio.h>
#include <time.h>

/* Writes @s as a JSON string literal. */
void rtjson_string(FILE *f, const char *s);

/* Joins argv into one command line, for the envelope's "cmdline". Returns a static buffer. */
const char *rtjson_cmdline(int argc, char **argv);

/*
 * Opens the top-level object and writes the envelope: file_version, cmdline,
 * start_time, end_time, return_code and sysinfo (uname). The caller adds its
 * own members, each starting with ",\n", and closes with rtjson_end().
 */
void rtjson_begin(FILE *f, const char *cmdline, time_t start, time_t end, int return_code);
void rtjson_end(FILE *f);

#endif
