/* SPDX-License-Identifier: GPL-2.0 */
/* Reading what update-grub wrote: the menu entries of grub.cfg and grubenv. */
#ifndef TICKLESS_GRUBCFG_H
#define TICKLESS_GRUBCFG_H

#include <stdio.h>

struct grub_entry {
	char title[256];
	char path[512];		/* id as grub-set-default takes it: "submenu-id>entry-id" */
	char krel[128];		/* from "linux /boot/vmlinuz-KREL", or "" */
	int top_level;		/* 1 for entries outside any submenu (and submenus themselves) */
	int is_submenu;
};

struct grub_menu {
	int n;
	struct grub_entry *e;
	char default_expr[512];	/* the last `set default="..."` outside ${next_entry} */
};

/*
 * Parses a grub.cfg. Returns 0; -1 when it holds no menu entry at all; -2
 * when a line cannot be read as GRUB would (an unclosed quote) or a title,
 * id or release does not fit its field: a cut id would name another entry.
 * Either failure leaves a one-line message in @err.
 */
int grubcfg_parse(FILE *f, struct grub_menu *m, char *err, size_t errlen);
void grubcfg_free(struct grub_menu *m);

/* The normal (not recovery) entry that boots @krel, preferring the submenu
 * entry whose id names the release (stable across kernel installs). */
const struct grub_entry *grubcfg_entry_for_krel(const struct grub_menu *m, const char *krel);

/* The entry @spec names as GRUB does: a top-level index, an id or title, or
 * "submenu>entry" of either. NULL when it names nothing. */
const struct grub_entry *grubcfg_resolve(const struct grub_menu *m, const char *spec);

/* The value of @key in a grubenv file (key=value lines), "" when unset.
 * Returns 0, or -1 (and "") when the value does not fit in @len bytes. */
int grubenv_get(FILE *f, const char *key, char *val, size_t len);

#endif
