// SPDX-License-Identifier: GPL-2.0
/*
 * tickless-boot: chooses which installed kernel GRUB boots, the Debian way.
 *
 * It never edits /etc/default/grub: "default" adds a drop-in in
 * /etc/default/grub.d/ that sets GRUB_DEFAULT=saved, runs update-grub and
 * grub-set-default; "once" uses grub-reboot, so a kernel that does not boot
 * costs one reset; "revert" restores what was there before the first change.
 * Every check runs before anything is written, and a failed step puts back
 * every file it changed (the state file included), so the machine always
 * keeps a bootable default and a later revert restores the right one.
 *
 * It runs as root, so no file it writes may be reached through a symlink:
 * directories are walked one component at a time with O_NOFOLLOW and new
 * contents go to an O_EXCL temporary that is renamed into place.
 *
 * With --root, the GRUB tools run chrooted into that tree: update-grub cannot
 * be pointed at another tree's /etc/default/grub any other way, and a tool
 * run on the host would change the host's boot menu.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#define DROPIN_TEXT "# Written by tickless-boot: boot the entry grub-set-default saved.\nGRUB_DEFAULT=saved\n"

static const char *root = "";	/* --root: a tree to act on instead of / (tests, chroots) */
static int dry_run;
static char why[9000];		/* what the last file helper failed on, for the caller's one line */

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

/* Runs a GRUB tool, chrooted into --root (or, with --dry-run, says it would). */
static int run(const char *const argv[])
{
	pid_t pid;
	int status;

	printf("%s", dry_run ? "would run:" : "running:");
	if (root[0])
		printf(" chroot %s", root);
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
		if (root[0] && (chroot(root) || chdir("/"))) {
			fprintf(stderr, "tickless-boot: cannot chroot into %s: %s\n", root, strerror(errno));
			_exit(127);
		}
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "tickless-boot: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* 0; -1 when there is no menu; -2 when grub.cfg cannot be parsed (@err says why). */
static int load_menu(struct grub_menu *m, char *err, size_t errlen)
{
	char full[4096];
	FILE *f;
	int r;

	path(full, sizeof(full), "/boot/grub/grub.cfg");
	f = fopen(full, "r");
	if (!f)
		return -1;
	r = grubcfg_parse(f, m, err, errlen);
	fclose(f);
	return r;
}

/* 0, or -1 when the value does not fit in @len (it is then ""). */
static int env_get(const char *key, char *val, size_t len)
{
	char full[4096];
	FILE *f;
	int r;

	val[0] = '\0';
	path(full, sizeof(full), "/boot/grub/grubenv");
	f = fopen(full, "r");
	if (!f)
		return 0;
	r = grubenv_get(f, key, val, len);
	fclose(f);
	return r;
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
	/* GRUB's tools take no "--" (it is an unknown option to them): a leading '-' would be read as one. */
	if ((*entry)->path[0] == '-')
		return die("the grub.cfg id '%s' starts with '-', which grub-set-default and grub-reboot take for an option: %s",
			   (*entry)->path, "give the menu entry an id that does not");
	return 0;
}

/*
 * Opens the directory that holds @p (a path under root) one component at a
 * time with O_NOFOLLOW, creating missing ones when @create, and points *name
 * at the last component. A symlink anywhere on the way is refused: as root,
 * following one planted there would write wherever it points. Returns the
 * directory's fd; -1 with @why set; -2 when a directory is absent (!@create).
 */
static int open_parent(const char *p, int create, const char **name)
{
	char part[4096];
	const char *s = p + 1, *slash;
	int dfd = open(root[0] ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s", root[0] ? root : "/", strerror(errno));
		return -1;
	}
	while ((slash = strchr(s, '/'))) {
		struct stat st;
		int next;

		snprintf(part, sizeof(part), "%.*s", (int)(slash - s), s);
		next = openat(dfd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create && !mkdirat(dfd, part, 0755))
			next = openat(dfd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int e = errno;

			if (!fstatat(dfd, part, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
				snprintf(why, sizeof(why), "%s%.*s is a symlink, which root must not follow: replace it by a directory",
					 root, (int)(slash - p), p);
			else
				snprintf(why, sizeof(why), "cannot open %s%.*s: %s", root, (int)(slash - p), p, strerror(e));
			close(dfd);
			return e == ENOENT && !create ? -2 : -1;
		}
		close(dfd);
		dfd = next;
		s = slash + 1;
	}
	*name = s;
	return dfd;
}

/* Refuses a target that is there but not a plain file (a symlink above all). 0 when it is one or absent. */
static int plain_or_absent(int dfd, const char *name, const char *shown)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		snprintf(why, sizeof(why), "cannot look at %s: %s", shown, strerror(errno));
		return errno == ENOENT ? 0 : -1;
	}
	if (S_ISREG(st.st_mode))
		return 0;
	snprintf(why, sizeof(why), "%s is %s, not a plain file: remove it", shown,
		 S_ISLNK(st.st_mode) ? "a symlink" : "something else");
	return -1;
}

/* Reads @p into @buf (NUL-terminated). 1 when read, 0 when absent, -1 with @why set. */
static int read_file(const char *p, char *buf, size_t len)
{
	char full[4096];
	const char *name;
	ssize_t n;
	int dfd = open_parent(p, 0, &name), fd;

	buf[0] = '\0';
	if (dfd == -2)
		return 0;
	if (dfd < 0)
		return -1;
	path(full, sizeof(full), p);
	if (plain_or_absent(dfd, name, full)) {
		close(dfd);
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot read %s: %s", full, strerror(errno));
		return -1;
	}
	n = read(fd, buf, len);
	close(fd);
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, sizeof(why), "cannot read %s: %s", full, n < 0 ? strerror(errno) : "longer than expected");
		buf[0] = '\0';
		return -1;
	}
	buf[n] = '\0';
	return 1;
}

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text);

	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= n;
	}
	return 0;
}

/*
 * Replaces @p with @text so that a crash leaves the old or the new file:
 * an O_EXCL|O_NOFOLLOW temporary (a leftover plain one is removed first,
 * anything else refused), fsync, rename, fsync of the directory.
 */
static int write_file(const char *p, const char *text)
{
	char full[4096], tmp[4200], shown[4300];
	const char *name;
	int dfd, fd;

	path(full, sizeof(full), p);
	if (dry_run) {
		printf("would write %s: %s", full, text);
		return 0;
	}
	dfd = open_parent(p, 1, &name);
	if (dfd < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	snprintf(shown, sizeof(shown), "%s.tmp", full);
	if (plain_or_absent(dfd, name, full) || plain_or_absent(dfd, tmp, shown) ||
	    (unlinkat(dfd, tmp, 0) && errno != ENOENT)) {
		close(dfd);
		return -1;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text) || fsync(fd) || close(fd) || renameat(dfd, tmp, dfd, name) || fsync(dfd)) {
		snprintf(why, sizeof(why), "cannot write %s: %s", full, strerror(errno));
		if (fd >= 0)
			unlinkat(dfd, tmp, 0);
		close(dfd);
		return -1;
	}
	close(dfd);
	printf("wrote %s\n", full);
	return 0;
}

/* Removes @p (never what a symlink there points to). 0 when it is gone, -1 with @why set. */
static int remove_file(const char *p)
{
	char full[4096];
	const char *name;
	int dfd;

	path(full, sizeof(full), p);
	if (dry_run) {
		printf("would remove %s\n", full);
		return 0;
	}
	dfd = open_parent(p, 0, &name);
	if (dfd == -2)
		return 0;
	if (dfd < 0)
		return -1;
	if (unlinkat(dfd, name, 0)) {
		int e = errno;

		close(dfd);
		if (e == ENOENT)
			return 0;
		snprintf(why, sizeof(why), "cannot remove %s: %s", full, strerror(e));
		return -1;
	}
	fsync(dfd);
	close(dfd);
	printf("removed %s\n", full);
	return 0;
}

/* Puts @p back as it was: @had it with @text, or not at all. */
static int restore_file(const char *p, int had, const char *text)
{
	return had ? write_file(p, text) : remove_file(p);
}

/* Records the saved_entry in place before our first change, for revert. */
static int remember_previous(int had_dropin)
{
	char saved[512], text[600];

	if (env_get("saved_entry", saved, sizeof(saved))) {
		snprintf(why, sizeof(why), "saved_entry in %s/boot/grub/grubenv is over %zu bytes: revert could not restore it",
			 root, sizeof(saved) - 1);
		return -1;
	}
	if (saved[0] == '-') {
		snprintf(why, sizeof(why), "saved_entry '%s' starts with '-': grub-set-default could not restore it", saved);
		return -1;
	}
	snprintf(text, sizeof(text), "had_dropin=%d\nsaved_entry=%s\n", had_dropin, saved);
	return write_file(STATE, text);
}

/* Puts the drop-in and the state file back as they were before cmd_default. */
static int undo_default(int had_dropin, const char *old_dropin, int had_state)
{
	int r = restore_file(DROPIN, had_dropin, old_dropin);

	if (!had_state && remove_file(STATE))
		r = -1;
	return r;
}

static int cmd_default(const struct grub_entry *e, const char *krel)
{
	static const char *const update[] = { "update-grub", NULL };
	const char *set[] = { "grub-set-default", e->path, NULL };
	char old_dropin[4096], old_state[1024];
	int had_dropin = read_file(DROPIN, old_dropin, sizeof(old_dropin));
	int had_state = had_dropin < 0 ? -1 : read_file(STATE, old_state, sizeof(old_state));

	if (had_state < 0 || (!had_state && remember_previous(had_dropin)))
		return die("%s: nothing changed", why, "");
	if (write_file(DROPIN, DROPIN_TEXT)) {
		static char first[sizeof(why)];

		snprintf(first, sizeof(first), "%s", why);
		if (undo_default(had_dropin, old_dropin, had_state))
			return die("%s, and undoing failed: %s", first, why);
		return die("%s: nothing changed", first, "");
	}
	/* grub-mkconfig replaces grub.cfg only once it succeeded: a failed run left it as it was. */
	if (run(update)) {
		if (undo_default(had_dropin, old_dropin, had_state))
			return die("update-grub failed, and undoing failed: %s%s", why, "");
		return die("update-grub failed: nothing changed (%s%s)", "see its output above", "");
	}
	if (run(set)) {
		if (undo_default(had_dropin, old_dropin, had_state) || run(update))
			return die("grub-set-default failed for %s, and undoing failed: %s", e->path,
				   "remove " DROPIN " and run update-grub by hand");
		return die("grub-set-default failed for %s: nothing changed (%s)", e->path, "see its output above");
	}
	printf("%s is now the default: %s\n", krel, e->title);
	return 0;
}

static int cmd_once(const struct grub_entry *e, const char *krel)
{
	const char *reboot[] = { "grub-reboot", e->path, NULL };

	if (run(reboot))
		return die("grub-reboot failed for %s: %s", e->path, "nothing changed (see its output above)");
	printf("the next boot, and only that one, runs %s; the one after returns to the default\n", krel);
	return 0;
}

/* Reads the state file: had_dropin=0|1 and saved_entry=ID lines, nothing else. */
static int parse_state(char *text, int *had_dropin, char *saved, size_t len)
{
	char *save = NULL;

	*had_dropin = -1;
	saved[0] = '\0';
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(l, "had_dropin=0") || !strcmp(l, "had_dropin=1"))
			*had_dropin = l[11] - '0';
		else if (!strncmp(l, "saved_entry=", 12) && strlen(l + 12) < len)
			snprintf(saved, len, "%s", l + 12);
		else
			return -1;
	}
	return *had_dropin < 0 || saved[0] == '-' ? -1 : 0;
}

static int cmd_revert(void)
{
	static const char *const update[] = { "update-grub", NULL };
	static const char *const unset[] = { "grub-editenv", "/boot/grub/grubenv", "unset", "saved_entry", NULL };
	char full[4096], state[1024], dropin[4096], saved[512];
	int had_dropin, have_dropin, have = read_file(STATE, state, sizeof(state));
	const char *set[] = { "grub-set-default", saved, NULL };

	path(full, sizeof(full), STATE);
	if (have < 0)
		return die("%s: nothing changed%s", why, "");
	if (!have)
		return die("nothing to revert: tickless-boot has not changed the default (no %s%s)", full, "");
	if (parse_state(state, &had_dropin, saved, sizeof(saved)))
		return die("%s is damaged: %s", full, "restore the default by hand with grub-set-default, then remove it");
	have_dropin = read_file(DROPIN, dropin, sizeof(dropin));
	if (have_dropin < 0 || (!had_dropin && have_dropin && remove_file(DROPIN)))
		return die("%s: nothing changed%s", why, "");
	if (run(update)) {
		if (restore_file(DROPIN, have_dropin && !had_dropin, dropin))
			return die("update-grub failed, and putting the drop-in back failed: %s%s", why, "");
		return die("update-grub failed: nothing changed; fix it, then run 'tickless-boot revert' again%s%s", "", "");
	}
	if (run(saved[0] ? set : unset)) {
		if (restore_file(DROPIN, have_dropin && !had_dropin, dropin) || run(update))
			return die("%s failed, and undoing failed: %s", saved[0] ? "grub-set-default" : "grub-editenv",
				   "run update-grub by hand");
		return die("%s failed: nothing changed (%s)", saved[0] ? "grub-set-default" : "grub-editenv",
			   "see its output above");
	}
	if (remove_file(STATE))
		return die("the default is restored, but %s: remove it by hand%s", why, "");
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
	char menu_err[256];
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
	r = load_menu(&menu, menu_err, sizeof(menu_err));
	if (r == -2 && strcmp(cmd, "revert")) {
		fprintf(stderr, "tickless-boot: cannot parse %s/boot/grub/grub.cfg: %s: run update-grub to rewrite it\n", root,
			menu_err);
		return 2;
	}
	have_menu = !r;
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
