#!/bin/bash
# make bump and make deps against the archive as it is today, in copies of the
# repository: a bump to the pinned version does nothing and says so (whatever
# Debian has uploaded since); a bump to the newest does the same when the pin
# is the newest; a pin whose vendor source is gone from the archive gets make
# deps to install everything else and name the pin and its fix. A bump from an
# older pin, and one whose patch no longer applies, run inside the release job
# in tests/70-release.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib.sh
. "$TOP/scripts/lib.sh"
load_series

copy=$(repo_copy)
trap 'rm -rf "$copy"' EXIT
before=$(tree_hash "$copy")
if out=$(VERSION=$VENDOR_VERSION bash "$copy/scripts/bump" 2>&1) && grep -qx "series $SERIES already pins vendor $VENDOR_VERSION: nothing to bump" <<<"$out"; then
	ok "make bump VERSION=<the pin> ($VENDOR_VERSION) says there is nothing to bump and exits 0"
else
	not_ok "make bump VERSION=$VENDOR_VERSION"
	echo "$out" | tail -n 5 | diag
fi
if [ "$(tree_hash "$copy")" = "$before" ]; then ok "... and changes no file"; else not_ok "a no-op bump changed files"; fi

newest=$(newest_version "linux-source-$SERIES")
if [ "$newest" != "$VENDOR_VERSION" ]; then
	skip "make bump at the newest version" "the archive has linux-source-$SERIES $newest, newer than the pinned $VENDOR_VERSION: 'make bump SERIES=$SERIES' moves the pin"
elif out=$(bash "$copy/scripts/bump" 2>&1) && grep -q "already pins vendor $VENDOR_VERSION, the newest" <<<"$out"; then
	ok "make bump with the newest version pinned says so and exits 0"
else
	not_ok "make bump at the newest version"
	echo "$out" | tail -n 5 | diag
fi

if [ "${LIGHT:-0}" = 1 ]; then finish; fi
# A pin whose linux-source the archive no longer has (a version it never had
# stands in for one it dropped): make deps still installs everything else,
# then names the pin and the fix, and dpkg is left
# consistent.
gone=${VENDOR_VERSION%%-*}-0
sed -i "s/^VENDOR_VERSION=.*/VENDOR_VERSION=$gone/" "$copy/series.d/$SERIES"
expect_fail "make deps with a pin gone from the archive names it and the fix" \
	"^error: linux-source-$SERIES $gone is no longer in Debian's archive: 'make bump SERIES=$SERIES' moves the pin$" \
	env APT_UPDATE=0 "$copy/scripts/install-deps"
if out=$(APT_UPDATE=0 "$copy/scripts/install-deps" 2>&1); then :; fi
if grep -q '==> .*deps: .*linux-source-.*Build-Depends' <<<"$out"; then
	ok "... after installing the rest (the other series' pins, the build dependencies, the test tools)"
else
	not_ok "make deps stopped before installing the rest"
	echo "$out" | tail -n 5 | diag
fi
check "... and dpkg has no half-installed package (dpkg --audit)" test -z "$(dpkg --audit)"
expect_fail "a build with that pin is refused, naming the pin and the fix" \
	"linux-source-$SERIES [^ ]+ is installed but series.d/$SERIES pins $gone: .*make bump SERIES=$SERIES" \
	"$copy/scripts/check-vendor"
finish
