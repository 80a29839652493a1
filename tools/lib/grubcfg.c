// SPDX-License-Identifier: GPL-2.0
#include "grubcfg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

enum block { OTHER, SUBMENU, ENTRY };

enum { WORD_OK = 0, WORD_UNCLOSED = -1, WORD_TOO_LONG = -2 };

/* Appends @c to @out; WORD_TOO_LONG once it would not fit with its terminator. */
static int put(char *out, size_t len, size_t *n, char c)
{
	if (*n + 1 >= len)
		return WORD_TOO_LONG;
	out[(*n)++] = c;
	return WORD_OK;
}

/*
 * Reads one shell-style word at *p as GRUB's lexer does: 'single' and
 * "double" quoted parts, backslash escapes, and bare characters, up to
 * unquoted blank space ('it'\''s' -> it's). @out is terminated whatever
 * happens: on an error it holds "", never bytes left over from before.
 */
static int read_word(const char **p, char *out, size_t len)
{
	const char *s = *p;
	size_t n = 0;
	int r = WORD_OK;

	out[0] = '\0';
	while (*s && !isspace((unsigned char)*s) && r == WORD_OK) {
		if (*s == '\'') {
			for (s++; *s && *s != '\'' && r == WORD_OK; s++)
				r = put(out, len, &n, *s);
			if (r == WORD_OK && *s++ != '\'')
				r = WORD_UNCLOSED;
		} else if (*s == '"') {
			for (s++; *s && *s != '"' && r == WORD_OK; s++) {
				if (*s == '\\' && s[1])
					s++;
				r = put(out, len, &n, *s);
			}
			if (r == WORD_OK && *s++ != '"')
				r = WORD_UNCLOSED;
		} else {
			if (*s == '\\' && s[1] && s[1] != '\n')
				s++;
			r = put(out, len, &n, *s++);
		}
	}
	if (r != WORD_OK) {
		out[0] = '\0';
		return r;
	}
	out[n] = '\0';
	*p = s;
	return WORD_OK;
}

static void skip_blank(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int lineno, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "line %d: %s", lineno, msg);
	return -2;
}

/* Why read_word failed, for the message. */
static const char *word_error(int r)
{
	return r == WORD_UNCLOSED ? "unclosed quote" : "too long";
}

/*
 * The title and id of a "menuentry"/"submenu" line at @p (past the keyword),
 * word by word: the id is the word after $menuentry_id_option or --id (or in
 * --id=ID). Matching words, not substrings, keeps "--id" inside a title from
 * counting. The title is the id when there is none.
 */
static int read_entry_line(const char *p, struct grub_entry *e, char *id, size_t idlen, char *err, size_t errlen,
			   int lineno)
{
	char word[1024];
	int r, want_id = 0;

	id[0] = '\0';
	skip_blank(&p);
	r = read_word(&p, e->title, sizeof(e->title));
	if (r)
		return fail(err, errlen, lineno, "menu entry title: %s (at most %zu bytes)", word_error(r),
			    sizeof(e->title) - 1);
	for (skip_blank(&p); *p && *p != '{'; skip_blank(&p)) {
		r = read_word(&p, want_id ? id : word, want_id ? idlen : sizeof(word));
		if (r)
			return fail(err, errlen, lineno, "menu entry %s: %s (at most %zu bytes)",
				    want_id ? "id" : "option", word_error(r), (want_id ? idlen : sizeof(word)) - 1);
		if (want_id) {
			want_id = 0;
			continue;
		}
		if (!strcmp(word, "$menuentry_id_option") || !strcmp(word, "--id")) {
			want_id = 1;
		} else if (!strncmp(word, "--id=", 5)) {
			if (strlen(word + 5) >= idlen)
				return fail(err, errlen, lineno, "menu entry id: too long (at most %zu bytes)", idlen - 1);
			snprintf(id, idlen, "%s", word + 5);
		}
	}
	if (want_id)
		return fail(err, errlen, lineno, "menu entry id option without an id");
	if (!id[0])
		snprintf(id, idlen, "%s", e->title);
	return 0;
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

/* The release of "linux /boot/vmlinuz-KREL ...", if the line names one. */
static int read_krel(const char *p, struct grub_entry *e, char *err, size_t errlen, int lineno)
{
	const char *k = strstr(p, "vmlinuz-");
	size_t n;

	if (!k)
		return 0;
	k += 8;
	n = strcspn(k, " \t\n");
	if (n >= sizeof(e->krel))
		return fail(err, errlen, lineno, "kernel release: too long (at most %zu bytes)", sizeof(e->krel) - 1);
	snprintf(e->krel, sizeof(e->krel), "%.*s", (int)n, k);
	return 0;
}

/* Whole lines, however long: a cut line's tail would be parsed as a line of its own. */
int grubcfg_parse(FILE *f, struct grub_menu *m, char *err, size_t errlen)
{
	char *line = NULL, submenu_id[256] = "";
	size_t size = 0;
	enum block stack[MAX_DEPTH];
	int depth = 0, cap = 0, in_next_entry = 0, lineno = 0, r = 0;
	struct grub_entry *cur = NULL;

	memset(m, 0, sizeof(*m));
	err[0] = '\0';
	while (!r && getline(&line, &size, f) >= 0) {
		const char *p = line;
		int is_entry, is_submenu;

		lineno++;
		skip_blank(&p);
		if (!strncmp(p, "if [ \"${next_entry}\" ]", 22))
			in_next_entry = 1;
		else if (!strncmp(p, "else", 4) || !strncmp(p, "fi", 2))
			in_next_entry = 0;
		if (!in_next_entry && !strncmp(p, "set default=\"", 13)) {
			size_t n = strcspn(p + 13, "\"");

			if (p[13 + n] != '"')
				r = fail(err, errlen, lineno, "set default: unclosed quote");
			else if (n >= sizeof(m->default_expr))
				r = fail(err, errlen, lineno, "set default: too long (at most %zu bytes)",
					 sizeof(m->default_expr) - 1);
			else
				snprintf(m->default_expr, sizeof(m->default_expr), "%.*s", (int)n, p + 13);
			continue;
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
		if ((is_entry || is_submenu || ends_with_brace(p)) && depth == MAX_DEPTH) {
			r = fail(err, errlen, lineno, "blocks nested deeper than %d", MAX_DEPTH);
			continue;
		}
		if (is_entry || is_submenu) {
			char id[256];
			struct grub_entry *e = add_entry(m, &cap);
			int n;

			if (!e) {
				r = fail(err, errlen, lineno, "out of memory");
				continue;
			}
			r = read_entry_line(p + (is_entry ? 10 : 8), e, id, sizeof(id), err, errlen, lineno);
			if (r)
				continue;
			e->top_level = !submenu_id[0];
			e->is_submenu = is_submenu;
			n = snprintf(e->path, sizeof(e->path), "%s%s%s", submenu_id, submenu_id[0] ? ">" : "", id);
			if (n < 0 || (size_t)n >= sizeof(e->path)) {
				r = fail(err, errlen, lineno, "submenu>entry id: too long (at most %zu bytes)", sizeof(e->path) - 1);
				continue;
			}
			if (is_submenu)
				snprintf(submenu_id, sizeof(submenu_id), "%s", id);
			cur = is_entry ? e : NULL;
			if (ends_with_brace(p))
				stack[depth++] = is_entry ? ENTRY : SUBMENU;
			continue;
		}
		/* A linux (linux16, linuxefi) command opens no block, whatever its last word is. */
		if (!strncmp(p, "linux", 5)) {
			if (cur && !cur->krel[0])
				r = read_krel(p, cur, err, errlen, lineno);
			continue;
		}
		if (ends_with_brace(p)) {
			stack[depth++] = OTHER;
			continue;
		}
	}
	free(line);
	if (!r && ferror(f))
		r = fail(err, errlen, lineno + 1, "read error");
	if (!r && !m->n) {
		snprintf(err, errlen, "no menu entry");
		r = -1;
	}
	if (r)
		grubcfg_free(m);
	return r;
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

int grubenv_get(FILE *f, const char *key, char *val, size_t len)
{
	char *line = NULL;
	size_t size = 0, k = strlen(key);
	int r = 0;

	val[0] = '\0';
	while (getline(&line, &size, f) >= 0)
		if (!strncmp(line, key, k) && line[k] == '=') {
			size_t n = strcspn(line + k + 1, "\n");

			if (n >= len)
				r = -1;
			else
				snprintf(val, len, "%.*s", (int)n, line + k + 1);
			break;
		}
	free(line);
	return r;
}
