#!/bin/bash
# The shipped release-job wrappers are usable as they are: the systemd units
# pass systemd-analyze verify (pointed at this checkout), and the GitHub
# Actions workflow is valid YAML that installs the dependencies and runs
# scripts/rebuild-on-release on a schedule.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"

units=$(mktemp -d)
trap 'rm -rf "$units"' EXIT
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
finish
