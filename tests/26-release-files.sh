#!/bin/bash
# The release job's pieces that need no kernel build: the systemd units pass
# systemd-analyze verify (pointed at this checkout); the GitHub Actions
# workflow is valid YAML that installs the dependencies and runs
# scripts/rebuild-on-release on a schedule; scripts/publish-repo signs with a
# configured key (gpgv verifies InRelease against it), keeps the previous
# repository published when it refuses its input, and names the problem.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib.sh
. "$TOP/scripts/lib.sh"
load_series
cd "$TOP"

units=$(mktemp -d)
for u in scripts/systemd/linux-tickless-rebuild.{service,timer}; do
	sed "s|/srv/linux-tickless/src|$TOP|g" "$u" >"$units/${u##*/}"
done
check "systemd-analyze verify: linux-tickless-rebuild.service and .timer" \
	systemd-analyze verify "$units/linux-tickless-rebuild.timer" "$units/linux-tickless-rebuild.service"
if grep -q '^ExecStart=/srv/linux-tickless/src/scripts/rebuild-on-release$' scripts/systemd/linux-tickless-rebuild.service; then
	ok "the service runs scripts/rebuild-on-release"
else
	not_ok "the service does not run scripts/rebuild-on-release"
fi

for setting in PrivateTmp=yes ProtectHome=yes NoNewPrivileges=yes UMask=0022; do
	if grep -qx "$setting" scripts/systemd/linux-tickless-rebuild.service; then ok "the service sets $setting"; else not_ok "the service lacks $setting"; fi
done

wf=.github/workflows/rebuild-on-release.yml
check "$wf is a scheduled workflow that runs make deps and scripts/rebuild-on-release" /usr/bin/python3 -c '
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
on = w.get("on", w.get(True))
assert on["schedule"][0]["cron"], "no schedule"
steps = [s.get("run", "") for job in w["jobs"].values() for s in job["steps"]]
assert any("make deps" in r for r in steps), "no make deps step"
assert any("scripts/rebuild-on-release" in r for r in steps), "no release job step"
' "$wf"
check "$wf: build, sign and push are separate jobs; only push can write, only sign sees a secret; actions pinned by commit" /usr/bin/python3 -c '
import re, sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
jobs = w["jobs"]
assert w.get("permissions") == {}, "the workflow default permissions are not empty"
assert set(jobs) >= {"build", "sign", "push"}, "jobs: %s" % sorted(jobs)
for name, job in jobs.items():
    text = yaml.safe_dump(job)
    writes = job.get("permissions", {}).get("contents") == "write"
    assert writes == (name == "push"), "%s: contents: write is for the push job only" % name
    assert ("secrets." in text) == (name == "sign"), "%s: secrets are for the sign job only" % name
    privileged = "--privileged" in str(job.get("container", {}).get("options", ""))
    assert privileged == (name == "build"), "%s: only the build job runs privileged" % name
    for step in job["steps"]:
        uses = step.get("uses")
        if uses:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), "%s: %s is not pinned by commit" % (name, uses)
            if uses.startswith("actions/checkout@") and name != "push":
                assert step.get("with", {}).get("persist-credentials") is False, "%s: checkout keeps its token" % name
' "$wf"

# publish-repo, with a throw-away package and a throw-away key.
work=$(mktemp -d)
trap 'rm -rf "$units" "$work"' EXIT
mkdir -p "$work/pkg/DEBIAN"
printf 'Package: linux-tickless-publish-test\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: test\n' \
	>"$work/pkg/DEBIAN/control"
dpkg-deb -b "$work/pkg" "$work/test.deb" >/dev/null
export GNUPGHOME=$work/gnupg
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "linux-tickless test <test@example.org>" ed25519 sign never 2>/dev/null
gpg --batch --quiet --passphrase '' --quick-gen-key "somebody else <other@example.org>" ed25519 sign never 2>/dev/null
fpr=$(gpg --batch --with-colons --list-secret-keys test@example.org | awk -F: '$1 == "fpr" { print $10; exit }')
check "publish-repo with SIGN_KEY: a signed repository" \
	env REPO_DIR="$work/repo" SIGN_KEY=test@example.org scripts/publish-repo "$work/test.deb"
# What a user verifies with: the published linux-tickless.asc, not this keyring.
gpg --batch --quiet --dearmor <"$work/repo/linux-tickless.asc" >"$work/key.gpg"
check "gpgv verifies its InRelease with the published linux-tickless.asc" \
	gpgv --keyring "$work/key.gpg" "$work/repo/dists/bookworm/InRelease"
exported=$(gpg --batch --with-colons --show-keys "$work/repo/linux-tickless.asc" 2>/dev/null | awk -F: '$1 == "pub" { n++ } $1 == "fpr" && !seen++ { f = $10 } END { print n + 0, f }')
if [ "$exported" = "1 $fpr" ]; then ok "linux-tickless.asc holds the signing key alone"; else not_ok "linux-tickless.asc holds: $exported (want 1 $fpr)"; fi
expect_fail "a SIGN_KEY that matches two secret keys is refused, naming both" \
	"SIGN_KEY=example.org matches 2 secret keys .*: set SIGN_KEY to the full fingerprint" \
	env REPO_DIR="$work/repo" SIGN_KEY=example.org scripts/publish-repo "$work/test.deb"
until=$(sed -n 's/^Valid-Until: //p' "$work/repo/dists/bookworm/Release")
days=$((($(date -d "${until:-now}" +%s) - $(date +%s) + 3600) / 86400))
if [ "$days" = 7 ]; then ok "the signed Release is valid until 7 days ahead ($until)"; else not_ok "Valid-Until: '${until}' ($days days)"; fi
target=$(readlink "$work/repo")
case "$target" in
/*) not_ok "the repository symlink is absolute: $target" ;;
*) ok "the repository symlink is relative ($target)" ;;
esac
# Served from another mount point, as a container sees it.
mkdir "$work/elsewhere"
mv "$work/repo" "$work/repo.d" "$work/elsewhere/"
check "... so the tree still verifies when moved elsewhere" \
	gpgv --keyring "$work/key.gpg" "$work/elsewhere/repo/dists/bookworm/InRelease"
mv "$work/elsewhere/repo" "$work/elsewhere/repo.d" "$work/"
sleep 1
check "publish-repo --refresh re-signs what is published" \
	env REPO_DIR="$work/repo" SIGN_KEY="$fpr" VALID_DAYS=9 scripts/publish-repo --refresh
if grep -q '^Package: linux-tickless-publish-test' "$work/repo/dists/bookworm/main/binary-amd64/Packages" &&
	gpgv --keyring "$work/key.gpg" "$work/repo/dists/bookworm/InRelease" 2>/dev/null &&
	[ "$(sed -n 's/^Valid-Until: //p' "$work/repo/dists/bookworm/Release")" != "$until" ]; then
	ok "... keeping its packages, with a new Valid-Until"
else
	not_ok "the refreshed repository lost packages, its signature or a new Valid-Until"
fi
if grep -q '^Package: linux-tickless-publish-test' "$work/repo/dists/bookworm/main/binary-amd64/Packages"; then
	ok "the package is in the repository's Packages"
else
	not_ok "the package is missing from Packages"
fi
# An arm64 deb goes into binary-arm64 alone; the Release names both.
sed -i 's/^Architecture: amd64/Architecture: arm64/' "$work/pkg/DEBIAN/control"
dpkg-deb -b "$work/pkg" "$work/test-arm64.deb" >/dev/null
check "publish-repo of an arm64 package" env REPO_DIR="$work/repo" SIGN_KEY="$fpr" VALID_DAYS=9 scripts/publish-repo "$work/test-arm64.deb"
pkgs_arch() { sed -n '/^Package: linux-tickless-publish-test/,/^$/ s/^Architecture: //p' "$work/repo/dists/bookworm/main/binary-$1/Packages" | tr '\n' ' '; }
if [ "$(pkgs_arch arm64)" = "arm64 " ] && [ "$(pkgs_arch amd64)" = "amd64 " ] &&
	grep -qx 'Architectures: amd64 arm64' "$work/repo/dists/bookworm/Release"; then
	ok "binary-arm64 lists the arm64 package, binary-amd64 the amd64 one, the Release both architectures"
else
	not_ok "per-architecture indices: binary-arm64 '$(pkgs_arch arm64)', binary-amd64 '$(pkgs_arch amd64)', $(grep '^Architectures:' "$work/repo/dists/bookworm/Release")"
fi
published=$(readlink -f "$work/repo")
echo "not a package" >"$work/broken.deb"
expect_fail "a file that is not a .deb is refused, named" "$work/broken.deb is not a .deb package" \
	env REPO_DIR="$work/repo" scripts/publish-repo "$work/broken.deb"
expect_fail "an unknown signing key is refused, named" "SIGN_KEY=nobody@example.org is not a secret key" \
	env REPO_DIR="$work/repo" SIGN_KEY=nobody@example.org scripts/publish-repo "$work/test.deb"
if [ "$(readlink -f "$work/repo")" = "$published" ]; then ok "after both refusals the previous repository is still published"; else
	not_ok "a refused publish replaced the repository"
fi
# With nothing to rebuild, the release job re-signs a Release that expires
# within half of VALID_DAYS, and leaves a fresher one alone.
published=$(readlink "$work/repo")
job_idle() { env APT_UPDATE=0 SERIES_LIST="$SERIES" VERSION="$VENDOR_VERSION" REPO_DIR="$work/repo" SIGN_KEY="$fpr" "$@" scripts/rebuild-on-release; }
if out=$(job_idle VALID_DAYS=9 2>&1) && grep -q 'nothing to rebuild' <<<"$out" && [ "$(readlink "$work/repo")" = "$published" ]; then
	ok "with nothing to rebuild the job leaves a Release valid for 9 more days alone"
else
	not_ok "the idle job with a fresh Release"
	echo "$out" | tail -n 5 | diag
fi
if out=$(job_idle VALID_DAYS=30 2>&1) && grep -q 're-signing it' <<<"$out" && [ "$(readlink "$work/repo")" != "$published" ] &&
	gpgv --keyring "$work/key.gpg" "$work/repo/dists/bookworm/InRelease" 2>/dev/null; then
	ok "... and re-signs one that expires within half of VALID_DAYS (9 of 30 days left)"
else
	not_ok "the idle job did not re-sign an expiring Release"
	echo "$out" | tail -n 5 | diag
fi

# The release job runs a checkout's code as root: one others can write is refused.
copy=$(repo_copy)
chmod o+w "$copy/scripts"
expect_fail "the release job refuses a checkout others can write" "is owned by uid 0 or writable by others.*chown -R root:root" \
	env APT_UPDATE=0 bash "$copy/scripts/rebuild-on-release"
rm -rf "$copy"
finish
