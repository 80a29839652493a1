#!/bin/bash
# The release job end to end, in a copy of the repository pinned one vendor
# version behind the committed pin: scripts/rebuild-on-release (VERSION= the
# committed pin, so the test means the same whatever Debian uploads next)
# bumps to it, builds the test profile (sharing build/ with the main tree, so
# only what the new changelog date touches is rebuilt), runs the patch-stack
# tests of the bumped copy and publishes into a fresh apt repository that apt
# can read. The bump must reproduce the committed pin, Debian's configs,
# configs and patches, with a <pin>+tickless1 changelog entry. Run again, the
# job does nothing. A release whose publish step fails, and one whose patch
# does not apply, fail and leave the published repository, the work tree and
# the installed vendor source as they were, so the next run tries again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_test_build

target=$VENDOR_VERSION
older=$(archive_versions "linux-source-$SERIES" | while read -r v; do
	if dpkg --compare-versions "$v" lt "$target"; then echo "$v"; fi
done | sort -V | tail -n 1)
if [ -z "$older" ]; then
	skip "the release job" "the archive has no linux-source-$SERIES older than the pinned $target"
	finish
fi
# The bump takes Debian's configs from linux-config-<series> of the version it
# moves to; the archive drops those some time after the next upload.
if ! archive_versions "linux-config-$SERIES" | grep -qxF "$target"; then
	skip "the release job" "linux-config-$SERIES $target (Debian's configs of the pin) is no longer in the archive, so a bump to the pin cannot be reproduced: 'make bump SERIES=$SERIES' moves the pin"
	finish
fi

work=$(mktemp -d)
copy=$(repo_copy)
installed() { dpkg-query -W -f="\${Version}" "linux-source-$SERIES"; }
# The failing releases below start from the older vendor source installed, so
# that putting it back is really checked; the pinned one is restored at exit.
restore_vendor() {
	if [ "$(installed)" != "$target" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades "linux-source-$SERIES=$target" >/dev/null 2>&1 ||
			echo "# could not reinstall linux-source-$SERIES=$target: run 'make deps'"
	fi
}
trap 'restore_vendor; rm -rf "$work" "$copy"' EXIT
# The copy as it was one vendor release ago. Debian's configs of that release
# may be gone from the archive (they are kept only for a while), and nothing
# here needs them: stale lines stand in for what the vendor and the resolved
# configs looked like then, and the bump must replace them.
sed -i -e "s/^VENDOR_VERSION=.*/VENDOR_VERSION=$older/" -e "s/^VENDOR_ABI=.*/VENDOR_ABI=old/" "$copy/series.d/$SERIES"
sed -i "1s/(.*)/($older+tickless1)/" "$copy/${CHANGELOG#"$TOP"/}"
echo "CONFIG_STALE_FROM_THE_OLD_VENDOR=y" >>"$copy/configs/$SERIES-test.config"
for f in "$copy/configs/vendor/$SERIES"/*; do echo "CONFIG_STALE_FROM_THE_OLD_VENDOR=y" >>"$f"; done
git -C "$copy" init -q
job() {
	# SOURCE_DATE_EPOCH (exported by use_test_build) is the main tree's, so the
	# bumped copy, being the same release, rebuilds nothing but the packages.
	# Its make check runs only the shellcheck test (TESTS=00): the bumped
	# stack was applied at fuzz 0 by the bump and is compared below.
	(cd "$copy" && env BUILD_ROOT="$TOP/build" REPO_DIR="$work/repo" SERIES_LIST="$SERIES" PROFILE=test TESTS=00 OTHER_SERIES_TESTS= \
		APT_UPDATE=0 COMMIT=0 VERSION="$target" "$@" bash scripts/rebuild-on-release)
}
t0=$(date +%s)
rc=0
out=$(job 2>&1) || rc=$?
echo "# first run took $(($(date +%s) - t0)) s"
if [ "$rc" = 0 ] && grep -q "series $SERIES: vendor $older -> $target" <<<"$out"; then
	ok "the job saw $older -> $target, bumped, built, tested and published"
else
	not_ok "the job failed (exit status $rc)"
	echo "$out" | tail -n 25 | diag
fi
for f in "$TOP/series.d/$SERIES" "$TOP"/configs/"$SERIES"-*.config; do
	f=${f#"$TOP"/}
	check "the bump reproduced the committed $f" diff -u "$TOP/$f" "$copy/$f"
done
check "the bump wrote Debian's configs of $target as committed in configs/vendor/$SERIES" \
	diff -ru "$TOP/configs/vendor/$SERIES" "$copy/configs/vendor/$SERIES"
check "the bump left every patch as committed (it applies at fuzz 0)" diff -ru "$TOP/patches" "$copy/patches"
top=$(dpkg-parsechangelog -l "$copy/${CHANGELOG#"$TOP"/}" -SVersion)
changes=$(dpkg-parsechangelog -l "$copy/${CHANGELOG#"$TOP"/}" -SChanges)
if [ "$top" = "$target+tickless1" ] && grep -q "Rebuild on Debian's linux-source-$SERIES $target" <<<"$changes"; then
	ok "the changelog's new entry is $target+tickless1, naming the vendor version"
else
	not_ok "changelog entry: $top"
	echo "$changes" | diag
fi

# apt reads the published repository and offers the new kernel through the meta package.
aptdir=$work/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
echo "deb [trusted=yes] file:$work/repo bookworm main" >"$aptdir/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$aptdir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache" -o Dir::State::Status=/dev/null)
apt-get "${apt_opts[@]}" -qq update >/dev/null 2>&1 || true
candidate=$(apt-cache "${apt_opts[@]}" policy "linux-image-$META_NAME" 2>/dev/null | sed -n 's/^ *Candidate: //p')
if [ "$candidate" = "$target+tickless1" ]; then ok "apt sees linux-image-$META_NAME $candidate in the published repository"; else
	not_ok "apt's candidate for linux-image-$META_NAME in the repository: '${candidate:-none}'"
fi
depends=$(apt-cache "${apt_opts[@]}" show "linux-image-$META_NAME" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1)
case "$depends" in
*"linux-image-$KREL (= $target+tickless1)"*) ok "... which depends on linux-image-$KREL" ;;
*) not_ok "linux-image-$META_NAME Depends: $depends" ;;
esac

published=$(readlink -f "$work/repo")
before=$(tree_hash "$copy")
rc=0
out=$(job 2>&1) || rc=$?
if [ "$rc" = 0 ] && grep -q "no new vendor version: nothing to rebuild" <<<"$out"; then
	ok "run again, the job says there is nothing to rebuild"
else
	not_ok "the second run: exit status $rc"
	echo "$out" | tail -n 10 | diag
fi
if [ "$(readlink -f "$work/repo")" = "$published" ] && [ "$(tree_hash "$copy")" = "$before" ]; then
	ok "... and changed neither the repository nor the work tree"
else
	not_ok "the second run changed something"
fi

# The work tree as git sees it: a release that builds rewrites build outputs
# (git-ignored: debian/*.debhelper.log, tools' objects), and a commit attempt
# touches git's own files; neither is the bump.
src_hash() { (cd "$1" && git ls-files -z -co --exclude-standard | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades "linux-source-$SERIES=$older" >/dev/null 2>&1 ||
	not_ok "could not install linux-source-$SERIES=$older for the failing releases"
vendor_before=$(installed)

# A release whose publish step fails (here: a signing key gpg does not have),
# after its bump, build and tests passed: one version behind again.
cp "$TOP/series.d/$SERIES" "$copy/series.d/$SERIES"
sed -i -e "s/^VENDOR_VERSION=.*/VENDOR_VERSION=$older/" "$copy/series.d/$SERIES"
before=$(src_hash "$copy")
rc=0
out=$(job SIGN_KEY=nobody-has-this-key@example.org GNUPGHOME="$work/empty-gnupg" 2>&1) || rc=$?
if [ "$rc" != 0 ] && grep -q "SIGN_KEY=nobody-has-this-key@example.org is not a secret key" <<<"$out" &&
	grep -q "series $SERIES failed; its bump is undone" <<<"$out"; then
	ok "a release whose publish step fails fails, naming the cause, and undoes its bump"
else
	not_ok "the release whose publish failed: exit status $rc"
	echo "$out" | tail -n 10 | diag
fi
if [ "$(src_hash "$copy")" = "$before" ] && grep -qx "VENDOR_VERSION=$older" "$copy/series.d/$SERIES"; then
	ok "... the work tree is as it was, still pinned to $older, so the next run tries that release again"
else
	not_ok "the failed publish left the bump in the work tree"
	git -C "$copy" status --short | head -n 10 | diag
fi
if [ "$(installed)" = "$vendor_before" ]; then ok "... the vendor source is as it was ($vendor_before)"; else not_ok "the failed publish changed the vendor source: $(installed)"; fi
if [ "$(readlink -f "$work/repo")" = "$published" ]; then ok "... and the previous build stays published"; else not_ok "the failed publish replaced the published repository"; fi

# A release that published and then could not be recorded (COMMIT=1, a git
# hook refuses the commit): the publication is taken back with the bump.
mkdir -p "$copy/.git/hooks"
printf '#!/bin/sh\necho "pre-commit: refused by tests/70-release.sh" >&2\nexit 1\n' >"$copy/.git/hooks/pre-commit"
chmod 755 "$copy/.git/hooks/pre-commit"
before=$(src_hash "$copy")
rc=0
out=$(job COMMIT=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org 2>&1) || rc=$?
if [ "$rc" != 0 ] && grep -q '^==> .*publish: .* packages into' <<<"$out" && grep -q 'pre-commit: refused' <<<"$out" &&
	grep -q "series $SERIES failed; its bump is undone" <<<"$out"; then
	ok "a release whose commit fails after publishing fails and undoes its bump"
else
	not_ok "the release whose commit failed: exit status $rc"
	tail -n 10 <<<"$out" | diag
fi
if [ "$(readlink -f "$work/repo")" = "$published" ]; then ok "... and takes its publication back: the previous build is published again"; else not_ok "the unrecorded publication stayed published"; fi
if [ "$(src_hash "$copy")" = "$before" ] && [ -z "$(git -C "$copy" ls-files)" ]; then
	ok "... the work tree and git's index are as they were"
else
	not_ok "the failed commit left changes in the work tree or the index"
fi
if [ "$(installed)" = "$vendor_before" ]; then ok "... and the vendor source is as it was ($vendor_before)"; else not_ok "the failed commit changed the vendor source: $(installed)"; fi
rm "$copy/.git/hooks/pre-commit"

# A release that fails: one version behind again, the last patch broken.
mapfile -t patches < <(series_patches)
last=${patches[-1]}
awk '/^@@ / { hunk = 1 } hunk && /^[ -]/ { print substr($0, 1, 1) "not in any vendor tree " NR; next } { print }' \
	"$TOP/patches/$last" >"$copy/patches/$last"
before=$(tree_hash "$copy")
rc=0
out=$(job 2>&1) || rc=$?
if [ "$rc" != 0 ] && grep -q "^error: patch $last does not apply to vendor $target" <<<"$out"; then
	ok "a release whose patch does not apply fails, the bump naming the patch"
else
	not_ok "the failing release: exit status $rc"
	echo "$out" | tail -n 10 | diag
fi
if grep -q 'Hunk #[0-9]* FAILED' <<<"$out"; then ok "... and listing its rejected hunks"; else not_ok "the error lists no rejected hunk"; fi
if [ "$(installed)" = "$vendor_before" ]; then ok "... and the vendor packages are as they were ($vendor_before)"; else not_ok "the failed release changed the vendor packages: $(installed)"; fi
if [ "$(readlink -f "$work/repo")" = "$published" ]; then ok "... and the previous build stays published"; else not_ok "the failed release replaced the published repository"; fi
if [ "$(tree_hash "$copy")" = "$before" ]; then ok "... and the work tree is as it was"; else not_ok "the failed release left changes in the work tree"; fi
finish
