#!/bin/bash
# make bump, in copies of the repository: at the newest vendor version it
# does nothing and says so; a patch that no longer applies stops it with the
# patch and its rejected hunks named, and leaves the work tree and the
# installed vendor packages exactly as they were. The successful bump from an
# older pin, built and tested, is tests/70-release.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib.sh
. "$TOP/scripts/lib.sh"
load_series

# One hash over every file of a tree: "exactly as it was".
tree_hash() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
installed() { dpkg-query -W -f='${Version}\n' "linux-source-$SERIES" "linux-config-$SERIES" | paste -sd' '; }

newest=$(newest_version "linux-source-$SERIES")
copy=$(repo_copy)
trap 'rm -rf "$copy"' EXIT
if [ "$newest" != "$VENDOR_VERSION" ]; then
	skip "make bump at the newest version" "the archive has linux-source-$SERIES $newest, newer than the pinned $VENDOR_VERSION: run 'make bump SERIES=$SERIES'"
else
	before=$(tree_hash "$copy")
	if out=$(bash "$copy/scripts/bump" 2>&1) && echo "$out" | grep -q "already pins vendor $VENDOR_VERSION, the newest"; then
		ok "make bump at the newest version ($VENDOR_VERSION) says so and exits 0"
	else
		not_ok "make bump at the newest version"
		echo "$out" | tail -n 5 | diag
	fi
	if [ "$(tree_hash "$copy")" = "$before" ]; then ok "... and changes no file"; else not_ok "a no-op bump changed files"; fi
fi

# One version back, with the last patch broken beyond what fuzz can absorb:
# every context and removed line of its hunks is replaced.
older=$(archive_versions "linux-source-$SERIES" | while read -r v; do
	if dpkg --compare-versions "$v" lt "$newest"; then echo "$v"; fi
done | sort -V | tail -n 1)
if [ -z "$older" ]; then
	skip "a bump whose patch does not apply" "the archive has only one linux-source-$SERIES version"
	finish
fi
sed -i -e "s/^VENDOR_VERSION=.*/VENDOR_VERSION=$older/" "$copy/series.d/$SERIES"
mapfile -t patches < <(awk '$1 !~ /^#/ && NF { print $1 }' "$TOP/patches/$PATCH_SERIES")
last=${patches[-1]}
awk '/^@@ / { hunk = 1 } hunk && /^[ -]/ { print substr($0, 1, 1) "not in any vendor tree " NR; next } { print }' \
	"$TOP/patches/$last" >"$copy/patches/$last"
before=$(tree_hash "$copy")
vendor_before=$(installed)
rc=0
out=$(bash "$copy/scripts/bump" 2>&1) || rc=$?
if [ "$rc" != 0 ] && echo "$out" | grep -q "^error: patch $last does not apply to vendor $newest"; then
	ok "a bump from $older to $newest with a patch that does not apply fails and names it"
else
	not_ok "a bump with a broken $last: exit status $rc, no error naming it"
	echo "$out" | tail -n 8 | diag
fi
if echo "$out" | grep -q 'Hunk #[0-9]* FAILED'; then ok "the error lists the rejected hunks"; else
	not_ok "the error does not list the rejected hunks"
	echo "$out" | tail -n 8 | diag
fi
if [ "$(tree_hash "$copy")" = "$before" ]; then ok "the failed bump left every file as it was"; else not_ok "the failed bump changed files in the work tree"; fi
if [ "$(installed)" = "$vendor_before" ]; then ok "the failed bump installed nothing ($vendor_before)"; else not_ok "the failed bump changed the vendor packages: $(installed)"; fi
finish
