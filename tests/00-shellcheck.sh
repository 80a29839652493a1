#!/bin/bash
# Every shell script of the project passes shellcheck (maintainer scripts as
# POSIX sh, the rest as bash).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"

mapfile -t bash_scripts < <(grep -lE '^#!/bin/bash' .ci/run scripts/* tests/* tests/vm/* 2>/dev/null; echo scripts/lib.sh; echo tests/lib.sh)
check "shellcheck: ${#bash_scripts[@]} bash scripts" shellcheck -x -s bash "${bash_scripts[@]}"
check "shellcheck: maintainer script templates and VM scripts (sh)" shellcheck -s sh debian/templates/*.p* tests/vm/step tests/vm/tickless-vm-init
finish
