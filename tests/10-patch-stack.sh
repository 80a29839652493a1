#!/bin/bash
# The quilt stack: applies at fuzz 0 to a fresh unpack of the pinned vendor
# tree, refresh rewrites nothing, every patch carries DEP-3 headers and passes
# checkpatch --strict; a patch that no longer applies is named and leaves the
# tree at the plain vendor source.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib.sh
. "$TOP/scripts/lib.sh"
load_series

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t patches < <(series_patches)
[ "${#patches[@]}" -gt 0 ] || not_ok "patches/series lists no patch for $SERIES"

for p in "${patches[@]}"; do
	f=$TOP/patches/$p
	missing=()
	grep -qE '^(Subject|Description):' "$f" || missing+=(Subject/Description)
	grep -qE '^(From|Author):' "$f" || missing+=(From/Author)
	grep -qE '^(Origin|Forwarded):' "$f" || missing+=(Origin/Forwarded)
	grep -qE '^Last-Update: [0-9]{4}-[0-9]{2}-[0-9]{2}$' "$f" || missing+=(Last-Update)
	if [ "${#missing[@]}" = 0 ]; then ok "DEP-3 headers: $p"; else not_ok "DEP-3 headers: $p lacks ${missing[*]}"; fi
done
# Every patch file is listed in patches/series (for one series or all).
orphans=$(cd "$TOP/patches" && find . -name '*.patch' | sed 's|^\./||' | sort |
	comm -23 - <(awk '$1 !~ /^#/ && NF { print $1 }' series | sort -u))
if [ -z "$orphans" ]; then ok "every patch file is in patches/series"; else not_ok "not in patches/series: $orphans"; fi

# A fresh unpack, independent of build/, with a private copy of the patches so
# that refresh cannot touch the repository.
tar -xJf "$VENDOR_TARBALL" -C "$work" --strip-components=1 --one-top-level=src
cp -r "$TOP/patches" "$work/patches"
q() { (cd "$work/src" && PATCHES_DIR=$work/patches run_quilt "$@"); }
check "quilt push -a --fuzz=0 of the $SERIES stack onto vendor $VENDOR_VERSION" q push -a --fuzz=0

refresh_all() {
	q pop -a -q >/dev/null
	while q push -q >/dev/null; do q refresh >/dev/null; done
	q top >/dev/null
}
check "quilt refresh of every patch runs" refresh_all
# A patch is refreshed against its own series (scripts/lib.sh patch_is_native);
# on another series only its hunks' line numbers may move.
hunks_only() { sed -E 's/^@@ .* @@.*/@@/' "$1"; }
for p in "${patches[@]}"; do
	if patch_is_native "$p"; then
		check "quilt refresh changes nothing in $p" diff -u "$TOP/patches/$p" "$work/patches/$p"
	else
		check "quilt refresh moves only line numbers in $p (made on another series)" \
			diff -u <(hunks_only "$TOP/patches/$p") <(hunks_only "$work/patches/$p")
	fi
done

for p in "${patches[@]}"; do
	check "checkpatch --strict: $p" perl "$work/src/scripts/checkpatch.pl" --strict --quiet --no-tree "$TOP/patches/$p"
done

# tools/ builds against a copy of the uapi header the stack adds; they must not drift.
uapi=arch/x86/include/uapi/asm/msr_batch.h
if cmp -s "$work/src/$uapi" "$TOP/tools/include/asm/msr_batch.h"; then ok "tools/include/asm/msr_batch.h is the $uapi the patches add"; else
	not_ok "tools/include/asm/msr_batch.h differs from the patched $uapi: copy it over"
fi
# The rest tests apply-patches itself, the same for every series: tests/run
# leaves it out (LIGHT=1) when it checks a series other than the one under test.
if [ "${LIGHT:-0}" = 1 ]; then finish; fi

# A patch that no longer applies: break the last one in a copy of the repo.
copy=$(repo_copy)
last=${patches[-1]}
# The first context or removed line of its first hunk no longer matches.
awk '!done && hunk && /^[ -]/ { print substr($0, 1, 1) "this line is not in the vendor tree"; done = 1; next }
	/^@@ / { hunk = 1 } { print }' "$TOP/patches/$last" >"$copy/patches/$last"
expect_fail "a patch that does not apply is named" "patch $last does not apply at fuzz 0" \
	env BUILD_ROOT="$work/broken" bash -c "'$copy/scripts/unpack-vendor' && '$copy/scripts/apply-patches'"
src=$work/broken/$SERIES/src
if [ ! -e "$src/.patches-applied" ] && [ ! -e "$src/.pc" ] && [ -z "$(find "$src" -name '*.rej' -print -quit)" ] &&
	cmp -s "$src/kernel/sched/isolation.c" "$work/src/.pc/${patches[0]}/kernel/sched/isolation.c"; then
	ok "after a failed push the tree is the plain vendor source, with no stamp"
else
	not_ok "a failed push left a half-patched tree in $src"
fi
# Dropping a patch restores its files to the vendor text with a new mtime, so
# make rebuilds what they feed (tar restores old mtimes, older than objects).
cp "$TOP/patches/$last" "$copy/patches/$last"
# A vendor file the last patch changes (not one it creates).
file=$(sed -n 's|^--- a/||p' "$TOP/patches/$last" | head -n 1)
if (BUILD_ROOT="$work/broken" "$copy/scripts/apply-patches") >/dev/null 2>&1; then
	before=$(stat -c %Y "$src/$file")
	sleep 1.1
	awk -v p="$last" '$1 != p' "$TOP/patches/series" >"$copy/patches/series"
	if (BUILD_ROOT="$work/broken" "$copy/scripts/apply-patches") >/dev/null 2>&1 &&
		cmp -s "$src/$file" "$work/src/.pc/$last/$file" &&
		[ "$(stat -c %Y "$src/$file")" -gt "$before" ]; then
		ok "dropping a patch restores its files to the vendor text, with a newer mtime"
	else
		not_ok "dropping $last left $file patched or with an old mtime"
	fi
else
	not_ok "the full stack does not re-apply after a failed push"
fi
rm -rf "$copy"

finish
