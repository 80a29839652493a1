// SPDX-License-Identifier: GPL-2.0
/*
 * tickless-boot: chooses which installed kernel GRUB boots, the Debian way.
 *
 * It never edits /etc/default/grub: "default" adds a drop-in in
 * /etc/default/grub.d/ that sets GRUB_DEFAULT=saved, runs update-grub and
 * grub-set-default; "once" uses grub-reboot, so a kernel that does not boot
 * costs one reset; "revert" restores what was there before the first change.
 * Every check runs before anything is written, and a failed update-grub takes
 * the drop-in back out, so the machine always keeps a bootable default.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/grubcfg.h"

#define DROPIN "/etc/default/grub.d/zz-tickless-boot.cfg"
#define STATE "/var/lib/tickless-boot/previous-default"

static const char *root = "";	/* --root: a tree to act on instead of / (tests, chroots) */
static int dry_run;

static void path(char *buf, size_t len, const char *p)
{
	snprintf(buf, len, "%s%s", root, p);
}

static int exists(const char *p)
{
	char full[4096];
	struct stat st;

	path(full, sizeof(full), p);
	return !stat(full, &st);
}

static int die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "tickless-boot: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

/* Runs a GRUB tool (or, with --dry-run, says it would). */
static int run(const char *const argv[])
{
	pid_t pid;
	int status;

	printf("%s", dry_run ? "would run:" : "running:");
	for (int i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);
	if (dry_run)
		return 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "tickless-boot: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int load_menu(struct grub_menu *m)
{
	char full[4096];
	FILE *f;
	int r;

	path(full, sizeof(full), "/boot/grub/grub.cfg");
	f = fopen(full, "r");
	if (!f)
		return -1;
	r = grubcfg_parse(f, m);
	fclose(f);
	return r;
}

static void env_get(const char *key, char *val, size_t len)
{
	char full[4096];
	FILE *f;

	val[0] = '\0';
	path(full, sizeof(full), "/boot/grub/grubenv");
	f = fopen(full, "r");
	if (!f)
		return;
	grubenv_get(f, key, val, len);
	fclose(f);
}

/* The newest installed tickless release in /boot (vmlinuz-*-tickless-*). */
static int newest_tickless(char *krel, size_t len)
{
	char full[4096];
	struct dirent *d;
	DIR *dir;

	krel[0] = '\0';
	path(full, sizeof(full), "/boot");
	dir = opendir(full);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		const char *r = d->d_name + 8;

		if (strncmp(d->d_name, "vmlinuz-", 8) || !strstr(r, "-tickless-"))
			continue;
		if (!krel[0] || strverscmp(r, krel) > 0)
			snprintf(krel, len, "%s", r);
	}
	closedir(dir);
	return krel[0] ? 0 : -1;
}

static const struct grub_entry *current_default(const struct grub_menu *m, char *spec, size_t len)
{
	snprintf(spec, len, "%s", m->default_expr[0] ? m->default_expr : "0");
	if (!strcmp(spec, "${saved_entry}")) {
		env_get("saved_entry", spec, len);
		if (!spec[0])
			snprintf(spec, len, "0");
	}
	return grubcfg_resolve(m, spec);
}

static int cmd_list(const struct grub_menu *m)
{
	char spec[512], next[512];
	const struct grub_entry *def = current_default(m, spec, sizeof(spec));
	const struct grub_entry *once;

	env_get("next_entry", next, sizeof(next));
	once = next[0] ? grubcfg_resolve(m, next) : NULL;
	printf("# * default (%s)   > next boot only (%s)\n", spec, next[0] ? next : "none");
	for (int i = 0; i < m->n; i++) {
		const struct grub_entry *e = &m->e[i];

		if (e->is_submenu)
			continue;
		printf("%c%c %-28s %s\n    id: %s\n", e == def ? '*' : ' ', e == once ? '>' : ' ',
		       e->krel[0] ? e->krel : "-", e->title, e->path);
	}
	return 0;
}

/* The checks every action makes before it changes anything. */
static int prepare(const struct grub_menu *m, int have_menu, const char *arg, char *krel, size_t len,
		   const struct grub_entry **entry)
{
	char vmlinuz[512];

	if (!exists("/boot/grub/grub.cfg") || !have_menu)
		return die("GRUB is not the bootloader here (no menu in %s/boot/grub/grub.cfg%s): this tool only drives GRUB",
			   root, "");
	if (!dry_run && geteuid())
		return die("changing the boot default needs root: run it with sudo%s%s", "", "");
	if (arg)
		snprintf(krel, len, "%s", arg);
	else if (newest_tickless(krel, len))
		return die("no tickless kernel is installed in %s/boot: install linux-image-tickless-amd64%s", root, "");
	snprintf(vmlinuz, sizeof(vmlinuz), "/boot/vmlinuz-%s", krel);
	if (!exists(vmlinuz))
		return die("kernel %s is not installed (no /boot/vmlinuz-%s): install its linux-image package", krel, krel);
	*entry = grubcfg_entry_for_krel(m, krel);
	if (!*entry)
		return die("grub.cfg has no entry for %s: run 'update-grub' and check its output (%s)", krel,
			   "is /etc/grub.d/10_linux executable?");
	return 0;
}

static void mkdir_p(char *dir)
{
	for (char *s = dir + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(dir, 0755);
			*s = '/';
		}
	mkdir(dir, 0755);
}

static int write_file(const char *p, const char *text)
{
	char full[4096], tmp[4200], dir[4096];
	FILE *f;

	path(full, sizeof(full), p);
	snprintf(dir, sizeof(dir), "%s", full);
	*strrchr(dir, '/') = '\0';
	if (dry_run) {
		printf("would write %s: %s", full, text);
		return 0;
	}
	mkdir_p(dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", full);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, full))
		return -1;
	printf("wrote %s\n", full);
	return 0;
}

static void remove_file(const char *p)
{
	char full[4096];

	path(full, sizeof(full), p);
	if (dry_run)
		printf("would remove %s\n", full);
	else if (!unlink(full))
		printf("removed %s\n", full);
}

/* Records, once, the saved_entry that was in place before our first change. */
static int remember_previous(void)
{
	char saved[512], text[600];

	if (exists(STATE))
		return 0;
	env_get("saved_entry", saved, sizeof(saved));
	snprintf(text, sizeof(text), "had_dropin=%d\nsaved_entry=%s\n", exists(DROPIN), saved);
	return write_file(STATE, text);
}

static int cmd_default(const struct grub_entry *e, const char *krel)
{
	static const char *const update[] = { "update-grub", NULL };
	int had_dropin = exists(DROPIN);
	const char *set[] = { "grub-set-default", e->path, NULL };

	if (remember_previous() ||
	    write_file(DROPIN, "# Written by tickless-boot: boot the entry grub-set-default saved.\nGRUB_DEFAULT=saved\n"))
		return die("cannot write %s or %s: nothing changed", DROPIN, STATE);
	if (run(update)) {
		if (!had_dropin) {
			remove_file(DROPIN);
			run(update);
		}
		return die("update-grub failed: the default is unchanged (%s%s)", "see its output above", "");
	}
	if (run(set))
		return die("grub-set-default failed for %s: %s", e->path, "the previous default stays");
	printf("%s is now the default: %s\n", krel, e->title);
	return 0;
}

static int cmd_once(const struct grub_entry *e, const char *krel)
{
	const char *reboot[] = { "grub-reboot", e->path, NULL };

	if (run(reboot))
		return die("grub-reboot failed for %s: %s", e->path, "nothing changed");
	printf("the next boot, and only that one, runs %s; the one after returns to the default\n", krel);
	return 0;
}

static int cmd_revert(void)
{
	static const char *const update[] = { "update-grub", NULL };
	char full[4096], line[600], saved[512] = "";
	int had_dropin = 0;
	FILE *f;

	path(full, sizeof(full), STATE);
	f = fopen(full, "r");
	if (!f)
		return die("nothing to revert: tickless-boot has not changed the default (no %s%s)", full, "");
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "had_dropin=%d", &had_dropin);
		if (!strncmp(line, "saved_entry=", 12))
			snprintf(saved, sizeof(saved), "%.*s", (int)strcspn(line + 12, "\n"), line + 12);
	}
	fclose(f);
	if (!had_dropin)
		remove_file(DROPIN);
	if (run(update))
		return die("update-grub failed: run it by hand, then 'tickless-boot revert' again%s%s", "", "");
	if (saved[0]) {
		const char *set[] = { "grub-set-default", saved, NULL };

		if (run(set))
			return die("grub-set-default %s failed%s", saved, "");
	} else {
		char env[4096];
		const char *unset[] = { "grub-editenv", env, "unset", "saved_entry", NULL };

		path(env, sizeof(env), "/boot/grub/grubenv");
		if (run(unset))
			return die("grub-editenv %s unset saved_entry failed%s", env, "");
	}
	remove_file(STATE);
	printf("the boot default is back to what it was before tickless-boot changed it\n");
	return 0;
}

static void usage(FILE *out)
{
	fputs("Usage: tickless-boot [--dry-run] list\n"
	      "       tickless-boot [--dry-run] default [KREL]   make KREL (default: the newest\n"
	      "                                                 tickless kernel) GRUB's saved default\n"
	      "       tickless-boot [--dry-run] once [KREL]      boot KREL at the next boot only\n"
	      "       tickless-boot [--dry-run] revert           restore the default from before\n"
	      "Options: -n, --dry-run  print what would change, change nothing\n"
	      "         --root=DIR     act on the system installed under DIR\n", out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const struct grub_entry *entry = NULL;
	struct grub_menu menu;
	char krel[256];
	const char *cmd;
	int opt, have_menu, r;

	while ((opt = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			dry_run = 1;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "list") && strcmp(cmd, "default") && strcmp(cmd, "once") && strcmp(cmd, "revert")) {
		fprintf(stderr, "tickless-boot: unknown action '%s' (list, default, once or revert)\n", cmd);
		return 2;
	}
	if (argc - optind > 2 || (argc - optind == 2 && (!strcmp(cmd, "list") || !strcmp(cmd, "revert")))) {
		fprintf(stderr, "tickless-boot: too many arguments for '%s' (see --help)\n", cmd);
		return 2;
	}
	have_menu = !load_menu(&menu);
	if (!strcmp(cmd, "list")) {
		if (!have_menu)
			return die("GRUB is not the bootloader here (no menu in %s/boot/grub/grub.cfg%s)", root, "");
		r = cmd_list(&menu);
	} else if (!strcmp(cmd, "revert")) {
		r = (!dry_run && geteuid()) ? die("reverting needs root: run 'sudo tickless-boot revert'%s%s", "", "")
					     : cmd_revert();
	} else if (prepare(&menu, have_menu, argc - optind == 2 ? argv[optind + 1] : NULL, krel, sizeof(krel),
			   &entry)) {
		r = 1;
	} else {
		r = !strcmp(cmd, "default") ? cmd_default(entry, krel) : cmd_once(entry, krel);
	}
	if (have_menu)
		grubcfg_free(&menu);
	return r;
}
