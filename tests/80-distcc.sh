#!/bin/bash
# DISTCC_HOSTS, on this machine alone: two distccd on 127.0.0.1 (ports of
# their own, loopback only, bounded in time, stopped at the end) serve a
# rebuild of part of the test-profile tree through scripts/build-kernel.
# - A helper whose compiler differs (a gcc-12 that adds -fno-ident, as another
#   gcc build would change .comment) and one that does not answer are refused
#   before anything is built, by name.
# - The objects of mm/, kernel/time/ and certs/ plus kernel/configs.o are
#   deleted and rebuilt with ccache forced to compile (CCACHE_RECACHE). One
#   helper, slowed to a second a job, is killed when it has compiled 10 of
#   them, with jobs in flight: they must fail over. The daemons' own logs
#   must show that most objects were compiled by them; the .incbin sources
#   stay here on purpose; every object and the bzImage must be byte-identical
#   to the local build's.
# Last in the suite: the rebuilt objects are newer, so a later build relinks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_test_build
load_profile
config=$SERIES_DIR/$PROFILE.config
if [ ! -f "$OBJ_DIR/arch/x86/boot/bzImage" ] || [ ! -f "$config" ]; then
	not_ok "no test-profile build in ${OBJ_DIR#"$TOP"/} (run tests/30-packages.sh first)"
	finish
fi
for tool in distcc distccd ccache; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is missing: run 'make deps'"
		finish
	fi
done

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
# A free loopback port: distccd must not find one taken by another run.
free_port() {
	local p
	for p in $(seq "$1" $(($1 + 200))); do
		if ! ss -Hltn "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
	return 1
}
# start_helper NAME PORT [PATH_PREFIX]: a distccd on 127.0.0.1 only, at most
# 20 minutes, running as nobody (as root, distccd drops privileges), log in
# $work/NAME.log.
start_helper() {
	install -m 644 -o nobody /dev/null "$work/$1.log"
	PATH=${3:+$3:}$PATH timeout 1200 distccd --no-detach --daemon --user nobody --listen 127.0.0.1 \
		--port "$2" --allow 127.0.0.1/32 --jobs 2 --log-file "$work/$1.log" --log-level info &
	pids+=($!)
	for _ in $(seq 50); do
		if ss -Hltn "sport = :$2" | grep -q .; then return 0; fi
		sleep 0.1
	done
	return 1
}
# Helper a is slow (a second per job, the same compiler): when it is killed it
# has jobs in flight, and they must fail over.
mkdir -p "$work/slow-gcc"
printf '#!/bin/sh\nsleep 1\nexec /usr/bin/x86_64-linux-gnu-gcc-12 "$@"\n' >"$work/slow-gcc/x86_64-linux-gnu-gcc-12"
chmod 755 "$work/slow-gcc" "$work/slow-gcc/x86_64-linux-gnu-gcc-12"
port_a=$(free_port 13632)
start_helper a "$port_a" "$work/slow-gcc"
port_b=$(free_port $((port_a + 1)))
start_helper b "$port_b"
# Another gcc build, as far as the objects can tell.
mkdir -p "$work/other-gcc"
printf '#!/bin/sh\nexec /usr/bin/x86_64-linux-gnu-gcc-12 -fno-ident "$@"\n' >"$work/other-gcc/x86_64-linux-gnu-gcc-12"
chmod 755 "$work/other-gcc" "$work/other-gcc/x86_64-linux-gnu-gcc-12"
port_c=$(free_port $((port_b + 1)))
start_helper c "$port_c" "$work/other-gcc"
port_dead=$(free_port $((port_c + 1)))

bz=$OBJ_DIR/arch/x86/boot/bzImage
cp "$bz" "$work/bzImage.local"
expect_fail "a helper with another compiler is refused before the build, by name" \
	"^error: distcc helper 127\.0\.0\.1:$port_c/2 compiles differently from the local gcc-12" \
	env DISTCC_HOSTS="127.0.0.1:$port_a/2 127.0.0.1:$port_c/2" "$TOP/scripts/build-kernel" "$config"
expect_fail "a helper that does not answer is refused before the build, by name" \
	"^error: distcc helper 127\.0\.0\.1:$port_dead/2 did not compile the canary" \
	env DISTCC_HOSTS="127.0.0.1:$port_dead/2" "$TOP/scripts/build-kernel" "$config"
if cmp -s "$bz" "$work/bzImage.local"; then ok "... and nothing was built"; else not_ok "a refused helper list still changed the bzImage"; fi

# The part rebuilt remotely: built-in objects only, so the bzImage shows them.
mapfile -t objs < <(cd "$OBJ_DIR" && find mm kernel/time certs -maxdepth 1 -name '*.o' ! -name 'built-in*' ! -name '*.mod.o' | sort; echo kernel/configs.o)
mkdir -p "$work/local"
(cd "$OBJ_DIR" && cp --parents "${objs[@]}" "$work/local/" && rm -f "${objs[@]}")

# Kernel objects a helper's log says it compiled (its canary compiles left out).
compiled_by() { grep COMPILE_OK "$work/$1.log" | grep -vc 'canary\.c' || true; }
# Kill helper a once it has compiled 10 objects: its jobs then in flight must
# be retried (on helper b, or here), never end in a wrong or missing object.
(
	for _ in $(seq 600); do
		if [ "$(compiled_by a)" -ge 10 ]; then
			pkill -f "distccd .*--port $port_a " || true
			date +%s >"$work/a.killed"
			exit 0
		fi
		sleep 0.2
	done
) &
killer=$!
pids+=("$killer")
t0=$SECONDS
if out=$(DISTCC_HOSTS="127.0.0.1:$port_a/2 127.0.0.1:$port_b/2" CCACHE_RECACHE=1 "$TOP/scripts/build-kernel" "$config" 2>&1); then
	ok "build-kernel with DISTCC_HOSTS rebuilt ${#objs[@]} objects and the bzImage in $((SECONDS - t0)) s, helper a killed midway"
else
	not_ok "build-kernel with DISTCC_HOSTS failed"
fi
echo "$out" | diag
wait "$killer" || true
jobs=4
[ "$(nproc)" -le 4 ] || jobs=$(nproc)
if grep -q "==> .*build: .*-j$jobs, distcc over 2 helper(s) that passed the canary" <<<"$out"; then
	ok "the stage line says distcc and -j$jobs (2 helpers x 2 jobs, at least this machine's $(nproc))"
else
	not_ok "the stage line does not name distcc and -j$jobs"
fi
summary=$(grep 'build: distcc: ' <<<"$out" || true)
if [[ $summary =~ ([0-9]+)\ compiled\ on\ helpers,\ [0-9]+\ here,\ ([0-9]+)\ retried\ after\ a\ helper\ failed,\ ([0-9]+)\ kept\ here\ on\ purpose ]] &&
	[ "${BASH_REMATCH[3]}" -ge 2 ]; then
	ok "the stage line counts where the compiles went: ${summary#*distcc: }"
	failed_over=${BASH_REMATCH[2]}
else
	not_ok "no count of where the compiles went, or the .incbin sources were not kept here: '$summary'"
	failed_over=0
fi

# What the daemons say they compiled, not what the client believes.
a_done=$(compiled_by a)
remote=$((a_done + $(compiled_by b)))
if [ -s "$work/a.killed" ] && [ "$a_done" -ge 10 ] && [ "$failed_over" -ge 1 ]; then
	ok "helper a compiled $a_done objects, then was killed: $failed_over jobs sent to it were retried elsewhere"
else
	not_ok "helper a was not killed mid-build with jobs in flight (it compiled $a_done objects, $failed_over retried elsewhere)"
fi
if [ "$remote" -gt $((${#objs[@]} / 2)) ]; then ok "the helpers' logs show $remote of ${#objs[@]} objects compiled by them (COMPILE_OK)"; else
	not_ok "the helpers' logs show only $remote of ${#objs[@]} objects compiled remotely"
fi
if grep -q 'configs\.c\|system_certificates\.S' "$work/a.log" "$work/b.log"; then not_ok "a .incbin source was sent to a helper"; else
	ok "no .incbin source (kernel/configs.c, certs/system_certificates.S) reached a helper"
fi
differ=()
for o in "${objs[@]}"; do cmp -s "$work/local/$o" "$OBJ_DIR/$o" || differ+=("$o"); done
if [ "${#differ[@]}" = 0 ]; then ok "all ${#objs[@]} rebuilt objects are byte-identical to the local build's"; else
	not_ok "${#differ[@]} of ${#objs[@]} objects differ from the local build's"
	printf '%s\n' "${differ[@]}" | head -n 10 | diag
fi
if cmp -s "$bz" "$work/bzImage.local"; then ok "the bzImage is byte-identical to the local build's"; else not_ok "the bzImage differs from the local build's"; fi
finish
