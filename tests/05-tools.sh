#!/bin/bash
# The C tools on the host: built with -Wall -Wextra -Werror, unit tests under
# ASan/UBSan, and tickcheck's command line: bad flags are refused with exit 2,
# and the tick limit decides the exit status. This host kernel has no
# nohz_full, so its CPUs tick: a zero limit must fail, a generous one pass.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP/tools"

check "tools build with -Wall -Wextra -Werror" make -s clean all
check "tools unit tests under ASan/UBSan" make -s check

tc=$TOP/tools/tickcheck/tickcheck
expect_fail "tickcheck refuses a bad duration" "bad --duration '1x'" "$tc" -D 1x
expect_fail "tickcheck refuses a CPU that does not exist" "CPU 9999 in '9999' does not exist" "$tc" -c 9999
expect_fail "tickcheck refuses a bad limit" "bad --max-ticks-per-sec 'x'" "$tc" -m x
set +e
"$tc" -c 0 -D 1 -W 0.2 -m 0 -q >/dev/null 2>&1
zero=$?
"$tc" -c 0 -D 1 -W 0.2 -m 100000 -q --json "$TOP/tools/tests/out.json" >/dev/null 2>&1
generous=$?
set -e
if [ "$zero" = 1 ]; then ok "tickcheck exits 1 when a ticking CPU exceeds -m 0"; else not_ok "tickcheck -m 0 on a ticking CPU exited $zero"; fi
if [ "$generous" = 0 ]; then ok "tickcheck exits 0 within a generous limit"; else not_ok "tickcheck -m 100000 exited $generous"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["file_version"]==1 and d["cpu"]["0"]["loc"]>0' \
	"$TOP/tools/tests/out.json" 2>/dev/null; then
	ok "tickcheck --json writes the envelope and sees CPU 0's ticks"
else
	not_ok "tickcheck --json output is not what was expected"
fi
rm -f "$TOP/tools/tests/out.json"
finish
