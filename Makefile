# linux-tickless: thin entry points; each target calls one script.
#   make deps            install what building and testing need (apt, root)
#   make                 build the debs of the production profile into out/<series>/
#   make ARCH=arm64      cross-build them for arm64 (in a build root; out/<series>/<profile>-arm64/)
#   make check           the test suite (what CI runs)
#   make bench           msr-bench in the test VM (VM_SMP=8: 8 vCPUs): JSON and a plot in out/bench/
#   make bump            move SERIES to a new Debian kernel release (VERSION=...)
# Variables: SERIES=6.1 (see series.d/), PROFILE=production|test (see
# kconfig-fragments/profiles/), ARCH=amd64|arm64 (see arch.d/; default: this machine's), SIGNING_KEY=/path/key.pem (your module-signing key),
# DISTCC_HOSTS="host1/8 host2/8" (distcc's syntax: spread the compile; README).

SERIES ?= 6.1
PROFILE ?= production
export SERIES PROFILE SIGNING_KEY
# Only when given: an empty ARCH in the environment would reach every make the
# scripts run, and the kselftests' own Makefile reads ARCH as kbuild's name.
ifdef ARCH
export ARCH
endif

.PHONY: all deb deps prepare configs bump rebuild-on-release check bench vm vm-test clean

all: deb

deps:
	scripts/install-deps

# dpkg-buildpackage is the build; this only collects its output in out/.
deb:
	scripts/build-debs

# Unpacked and patched vendor tree in build/<series>/src, for work on patches.
prepare:
	scripts/unpack-vendor
	scripts/apply-patches

# Regenerates the committed resolved configs (configs/<series>-<profile>.config).
configs: prepare
	scripts/update-configs

# Moves SERIES to the newest Debian kernel apt can install (or VERSION=...):
# refreshed patches, pin, configs/, changelog; all or nothing.
bump:
	VERSION=$(VERSION) scripts/bump

# The release job (CI or the systemd timer): bump, build, test, publish.
rebuild-on-release:
	scripts/rebuild-on-release

debian/control: debian/templates/control.in debian/templates/control.arch.in series.d/$(SERIES) $(wildcard arch.d/*)
	scripts/gen-debian-files

check:
	tests/run

# msr-bench in the test VM (VM_SMP=8 for 8 vCPUs): out/bench/msr-bench.{json,png} (needs make deb PROFILE=test).
bench:
	VM_SMP=$(VM_SMP) scripts/bench

# The in-VM suite alone (needs the test-profile debs: make deb PROFILE=test).
vm-test:
	TESTS=60 tests/run

# A shell in the test VM, on the disk the last vm-test left (our kernel installed).
vm:
	scripts/run-vm --interactive build/$(SERIES)/vm-run/disk.qcow2

clean:
	rm -rf build out
