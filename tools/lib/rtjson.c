// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <sys/utsname.h>

#include "rtjson.h"

void rtjson_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

const char *rtjson_cmdline(int argc, char **argv)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && len < sizeof(buf) - 1; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", argv[i]);
	return buf;
}

static void iso_time(FILE *f, const char *key, time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "  \"%s\": \"%s\",\n", key, buf);
}

void rtjson_begin(FILE *f, const char *cmdline, time_t start, time_t end, int return_code)
{
	struct utsname u;

	uname(&u);
	fprintf(f, "{\n  \"file_version\": 1,\n  \"cmdline\": ");
	rtjson_string(f, cmdline);
	fprintf(f, ",\n");
	iso_time(f, "start_time", start);
	iso_time(f, "end_time", end);
	fprintf(f, "  \"return_code\": %d,\n  \"sysinfo\": {\"sysname\": ", return_code);
	rtjson_string(f, u.sysname);
	fprintf(f, ", \"release\": ");
	rtjson_string(f, u.release);
	fprintf(f, ", \"version\": ");
	rtjson_string(f, u.version);
	fprintf(f, ", \"machine\": ");
	rtjson_string(f, u.machine);
	fprintf(f, "}");
}

void rtjson_end(FILE *f)
{
	fprintf(f, "\n}\n");
}
