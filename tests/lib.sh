# shellcheck shell=bash
# TAP helpers for the test scripts in tests/. Each script prints "ok"/"not ok"
# lines; tests/run numbers and counts them. A skip always names its reason and
# is never counted as a pass.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SERIES=${SERIES:-6.1}
FAILED=0

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	FAILED=1
}
skip() { echo "ok - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }

# check "description" command...: one TAP line from a command's exit status;
# its output is shown (as TAP diagnostics) only when it fails.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		echo "$out" | tail -n 30 | diag
	fi
}

# expect_fail "description" PATTERN command...: the command must fail and
# print PATTERN (an extended regex): bad input must be refused, and say why.
expect_fail() {
	local what=$1 pattern=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		not_ok "$what (command succeeded)"
		echo "$out" | tail -n 10 | diag
	elif grep -qE -- "$pattern" <<<"$out"; then
		ok "$what"
	else
		not_ok "$what (no line matching '$pattern')"
		echo "$out" | tail -n 10 | diag
	fi
}

# A throw-away copy of the repository (tracked and new files), for tests that
# break something on purpose.
repo_copy() {
	local dest
	dest=$(mktemp -d)
	(cd "$TOP" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$dest")
	echo "$dest"
}

# One hash over every file of a tree but its out/ (what a build there leaves):
# how tests check that something left a work tree "exactly as it was".
tree_hash() { (cd "$1" && find . -path ./out -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

# The test-profile build that tests/30 makes and later tests use: the
# pipeline's names (KREL, PKG_VERSION...) and OUT, where make deb puts the debs.
use_test_build() {
	# shellcheck source=../scripts/lib.sh
	. "$TOP/scripts/lib.sh"
	export PROFILE=test
	load_series
	load_profile
	load_build_identity
	OUT=$DEB_DIR
}

# The .deb of package $1 in OUT.
deb_path() { echo "$OUT/${1}_${PKG_VERSION}_$ARCH.deb"; }

finish() { exit "$FAILED"; }
