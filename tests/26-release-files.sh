#!/bin/bash
# The release job's pieces that need no kernel build: the systemd units pass
# systemd-analyze verify (pointed at this checkout); the GitHub Actions
# workflow is valid YAML that installs the dependencies and runs
# scripts/rebuild-on-release on a schedule; scripts/publish-repo signs with a
# configured key (gpgv verifies InRelease against it), keeps the previous
# repository published when it refuses its input, and names the problem.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
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
check "publish-repo with SIGN_KEY: a signed repository" \
	env REPO_DIR="$work/repo" SIGN_KEY=test@example.org scripts/publish-repo "$work/test.deb"
gpg --batch --quiet --export test@example.org >"$work/key.gpg"
check "gpgv verifies its InRelease with the exported key" \
	gpgv --keyring "$work/key.gpg" "$work/repo/dists/bookworm/InRelease"
if grep -q '^Package: linux-tickless-publish-test' "$work/repo/dists/bookworm/main/binary-amd64/Packages"; then
	ok "the package is in the repository's Packages"
else
	not_ok "the package is missing from Packages"
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
finish
