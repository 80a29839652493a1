#!/bin/bash
# make bump, in a copy of the repository: at the newest vendor version it
# does nothing and says so. A bump from an older pin, and one whose patch no
# longer applies (named with its hunks, nothing changed), run inside the
# release job in tests/70-release.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib.sh
. "$TOP/scripts/lib.sh"
load_series


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

finish
