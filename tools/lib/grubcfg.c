// SPDX-License-Identifier: GPL-2.0
#include "grubcfg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

enum block { OTHER, SUBMENU, ENTRY };

/* Reads a shell-style single-quoted word at *p ('it'\''s' -> it's). */
static int read_quoted(const char **p, char *out, size_t len)
{
	const char *s = *p;
	size_t n = 0;

	if (*s != '\'')
		return -1;
	while (*s == '\'') {
		s++;
		while (*s && *s != '\'') {
			if (n + 1 < len)
				out[n++] = *s;
			s++;
		}
		if (*s != '\'')
			return -1;
		s++;
		if (s[0] == '\\' && s[1] == '\'') {
			if (n + 1 < len)
				out[n++] = '\'';
			s += 2;
		}
	}
	out[n] = '\0';
	*p = s;
	return 0;
}

/* The id of a menuentry/submenu line: after $menuentry_id_option or --id. */
static void read_id(const char *line, char *out, size_t len)
{
	const char *opt[] = { "$menuentry_id_option ", "--id " };

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		const char *p = strstr(line, opt[i]);

		if (!p)
			continue;
		p += strlen(opt[i]);
		if (*p == '\'') {
			read_quoted(&p, out, len);
		} else {
			size_t n = strcspn(p, " \t{");

			snprintf(out, len, "%.*s", (int)n, p);
		}
		return;
	}
}

static int ends_with_brace(const char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n && s[n - 1] == '{';
}

static struct grub_entry *add_entry(struct grub_menu *m, int *cap)
{
	if (m->n == *cap) {
		struct grub_entry *grown;

		*cap = *cap ? 2 * *cap : 16;
		grown = realloc(m->e, *cap * sizeof(*grown));
		if (!grown)
			return NULL;
		m->e = grown;
	}
	memset(&m->e[m->n], 0, sizeof(m->e[0]));
	return &m->e[m->n++];
}

int grubcfg_parse(FILE *f, struct grub_menu *m)
{
	char line[4096], submenu_id[256] = "";
	enum block stack[MAX_DEPTH];
	int depth = 0, cap = 0, in_next_entry = 0;
	struct grub_entry *cur = NULL;

	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;
		int is_entry, is_submenu;

		while (isspace((unsigned char)*p))
			p++;
		if (!strncmp(p, "if [ \"${next_entry}\" ]", 22))
			in_next_entry = 1;
		else if (!strncmp(p, "else", 4) || !strncmp(p, "fi", 2))
			in_next_entry = 0;
		if (!in_next_entry && !strncmp(p, "set default=\"", 13)) {
			size_t n = strcspn(p + 13, "\"");

			snprintf(m->default_expr, sizeof(m->default_expr), "%.*s", (int)n, p + 13);
		}
		if (*p == '}') {
			if (depth > 0 && stack[--depth] == SUBMENU)
				submenu_id[0] = '\0';
			if (depth == 0 || stack[depth] == ENTRY)
				cur = NULL;
			continue;
		}
		is_entry = !strncmp(p, "menuentry ", 10);
		is_submenu = !strncmp(p, "submenu ", 8);
		if (is_entry || is_submenu) {
			const char *q = p + (is_entry ? 10 : 8);
			char id[256];
			struct grub_entry *e = add_entry(m, &cap);

			if (!e)
				return -1;
			while (isspace((unsigned char)*q))
				q++;
			read_quoted(&q, e->title, sizeof(e->title));
			read_id(p, id, sizeof(id));
			if (!id[0])
				snprintf(id, sizeof(id), "%s", e->title);
			e->top_level = !submenu_id[0];
			e->is_submenu = is_submenu;
			snprintf(e->path, sizeof(e->path), "%s%s%s", submenu_id, submenu_id[0] ? ">" : "", id);
			if (is_submenu)
				snprintf(submenu_id, sizeof(submenu_id), "%s", id);
			cur = is_entry ? e : NULL;
			if (ends_with_brace(p) && depth < MAX_DEPTH)
				stack[depth++] = is_entry ? ENTRY : SUBMENU;
			continue;
		}
		if (ends_with_brace(p) && depth < MAX_DEPTH) {
			stack[depth++] = OTHER;
			continue;
		}
		if (cur && !cur->krel[0] && !strncmp(p, "linux", 5)) {
			const char *k = strstr(p, "vmlinuz-");

			if (k) {
				k += 8;
				snprintf(cur->krel, sizeof(cur->krel), "%.*s", (int)strcspn(k, " \t\n"), k);
			}
		}
	}
	return m->n ? 0 : -1;
}

void grubcfg_free(struct grub_menu *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

const struct grub_entry *grubcfg_entry_for_krel(const struct grub_menu *m, const char *krel)
{
	const struct grub_entry *fallback = NULL;

	for (int i = 0; i < m->n; i++) {
		const struct grub_entry *e = &m->e[i];

		if (e->is_submenu || strcmp(e->krel, krel) || strstr(e->title, "(recovery mode)"))
			continue;
		if (!e->top_level && strstr(e->path, krel))
			return e;
		if (!fallback)
			fallback = e;
	}
	return fallback;
}

static int names(const struct grub_entry *e, const char *part, size_t len)
{
	const char *id = strrchr(e->path, '>');

	id = id ? id + 1 : e->path;
	return (strlen(id) == len && !strncmp(id, part, len)) ||
	       (strlen(e->title) == len && !strncmp(e->title, part, len));
}

const struct grub_entry *grubcfg_resolve(const struct grub_menu *m, const char *spec)
{
	const char *gt = strchr(spec, '>');
	char *end;
	long idx;

	if (!*spec)
		return NULL;
	idx = strtol(spec, &end, 10);
	if (!*end) {
		for (int i = 0, top = 0; i < m->n; i++)
			if (m->e[i].top_level && top++ == idx)
				return m->e[i].is_submenu && i + 1 < m->n ? &m->e[i + 1] : &m->e[i];
		return NULL;
	}
	for (int i = 0; i < m->n; i++) {
		const struct grub_entry *e = &m->e[i];

		if (!gt) {
			if (e->top_level && !e->is_submenu && names(e, spec, strlen(spec)))
				return e;
			continue;
		}
		/* "submenu>entry": the entry must sit in the submenu named first. */
		if (!e->top_level && names(e, gt + 1, strlen(gt + 1))) {
			for (int s = i - 1; s >= 0; s--)
				if (m->e[s].is_submenu) {
					if (names(&m->e[s], spec, gt - spec))
						return e;
					break;
				}
		}
	}
	return NULL;
}

void grubenv_get(FILE *f, const char *key, char *val, size_t len)
{
	char line[1024];
	size_t k = strlen(key);

	val[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && line[k] == '=') {
			snprintf(val, len, "%.*s", (int)strcspn(line + k + 1, "\n"), line + k + 1);
			return;
		}
}
