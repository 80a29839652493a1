# shellcheck shell=bash
# Shared by every pipeline script: where things live, the pin, errors and the
# per-stage progress line. Sourced, never run.
# The variables set here are read by the scripts that source this file:
# shellcheck disable=SC2034

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The series the repository root's debian/ packages (source linux-tickless);
# the others are their own source packages, see load_series.
DEFAULT_SERIES=6.1
SERIES=${SERIES:-$DEFAULT_SERIES}
PROFILE=${PROFILE:-production}
BUILD_ROOT=${BUILD_ROOT:-$TOP/build}
# Elapsed time in progress lines counts from the first stage of a pipeline run,
# so scripts called one after another by make or debian/rules share one clock.
export PIPELINE_T0=${PIPELINE_T0:-$(date +%s)}

die() {
	echo "error: $*" >&2
	exit 1
}

warn() {
	echo "warning: $*" >&2
}

# One line per stage on the console: what ran, and when since the pipeline began.
stage() {
	local now
	now=$(date +%s)
	printf '==> [%4ds] %s\n' $((now - PIPELINE_T0)) "$*"
}

valid_names() {
	local d=$1
	find "$d" -maxdepth 1 -type f -printf '%f\n' | sort | tr '\n' ' '
}

# Reads arch.d/$ARCH, the architecture the kernel is built for (Debian's
# name): ARCH, else dpkg-buildpackage's host architecture (-a), else the build
# machine's; $1 names another. CROSS_COMPILE is set when that is not the
# build machine's.
load_arch() {
	local build_arch def
	# dpkg, not dpkg-architecture: make deps reads arch.d/ before it has
	# installed dpkg-dev.
	build_arch=$(dpkg --print-architecture)
	ARCH=${1:-${ARCH:-${DEB_HOST_ARCH:-$build_arch}}}
	def=$TOP/arch.d/$ARCH
	[ -f "$def" ] || die "unknown architecture '$ARCH': valid architectures are $(valid_names "$TOP/arch.d")(ARCH=..., Debian's names, not kbuild's)"
	if [ -z "${1:-}" ] && [ -n "${DEB_HOST_ARCH:-}" ] && [ "$DEB_HOST_ARCH" != "$ARCH" ]; then
		die "ARCH=$ARCH, but dpkg-buildpackage builds for $DEB_HOST_ARCH: give one of them"
	fi
	KERNEL_ARCH='' FLAVOUR='' NAME_SUFFIX='' COMPAT_ARCH='' IMAGE_TARGET='' IMAGE_FILE=''
	MACHINES='' BOOTLOADERS='' MSR_SYSCALLS=no ARCH_BUILD_DEPENDS='' ARCH_BUILD_CONFLICTS=''
	VM_QEMU='' VM_MACHINE='' VM_TCG_CPU='' VM_BOOT='' VM_FIRMWARE='' VM_FIRMWARE_VARS='' VM_GRUB='' VM_CONSOLE=''
	# shellcheck source=/dev/null
	. "$def"
	: "${KERNEL_ARCH:?$def sets no KERNEL_ARCH}" "${FLAVOUR:?$def sets no FLAVOUR}"
	: "${IMAGE_TARGET:?$def sets no IMAGE_TARGET}" "${IMAGE_FILE:?$def sets no IMAGE_FILE}"
	: "${MACHINES:?$def sets no MACHINES}" "${BOOTLOADERS:?$def sets no BOOTLOADERS}"
	: "${VM_QEMU:?$def sets no VM_QEMU}" "${VM_BOOT:?$def sets no VM_BOOT}" "${VM_CONSOLE:?$def sets no VM_CONSOLE}"
	command -v dpkg-architecture >/dev/null ||
		die "dpkg-architecture is missing (package dpkg-dev), needed to name ARCH=$ARCH's toolchain: run 'sudo make deps'"
	# -f: dpkg-buildpackage exports DEB_HOST_GNU_TYPE, which would otherwise
	# answer for every -a (the compat vDSO's armhf among them).
	GNU_TYPE=$(dpkg-architecture -f -a"$ARCH" -qDEB_HOST_GNU_TYPE 2>/dev/null)
	CROSS_COMPILE='' CROSS_COMPILE_COMPAT=''
	if [ "$ARCH" != "$build_arch" ]; then CROSS_COMPILE=$GNU_TYPE-; fi
	if [ -n "$COMPAT_ARCH" ]; then
		CROSS_COMPILE_COMPAT=$(dpkg-architecture -f -a"$COMPAT_ARCH" -qDEB_HOST_GNU_TYPE 2>/dev/null)-
	fi
}

# Every architecture arch.d/ knows, one per line.
all_arches() {
	find "$TOP/arch.d" -maxdepth 1 -type f -printf '%f\n' | sort
}

# Reads series.d/$SERIES (and the architecture, load_arch) and derives the
# names every later stage uses.
load_series() {
	local pin=$TOP/series.d/$SERIES
	[ -f "$pin" ] || die "unknown series '$SERIES': valid series are $(valid_names "$TOP/series.d")(SERIES=...)"
	load_arch
	META_SERIES='' STOCK_TICKS_NOHZ_FULL=no
	# shellcheck source=/dev/null
	. "$pin"
	: "${VENDOR_VERSION:?$pin sets no VENDOR_VERSION}" "${VENDOR_ABI:?$pin sets no VENDOR_ABI}"
	KREL=$VENDOR_ABI-tickless-$FLAVOUR
	STOCK_KREL=$VENDOR_ABI-$FLAVOUR
	META_NAME=${META_SERIES}tickless-$FLAVOUR
	# Like Debian (src:linux and src:linux-6.12 in bookworm), each series is
	# its own source package with its own changelog; the default series' is
	# the repository root's debian/changelog.
	if [ "$SERIES" = "$DEFAULT_SERIES" ]; then
		SOURCE=linux-tickless CHANGELOG=$TOP/debian/changelog
	else
		SOURCE=linux-tickless-$SERIES CHANGELOG=$TOP/debian/series/$SERIES/changelog
	fi
	SERIES_DIR=$BUILD_ROOT/$SERIES
	SRC_DIR=$SERIES_DIR/src
	VENDOR_TARBALL=/usr/src/linux-source-$SERIES.tar.xz
	# Debian's own config files of the pinned version, unmodified, as
	# linux-config-<series> ships them (decompressed): committed by make bump,
	# so a build needs only linux-source-<series>, which the archive keeps
	# long after it drops that version's linux-config (README, "Series").
	VENDOR_CONFIG_DIR=${VENDOR_CONFIG_DIR:-$TOP/configs/vendor/$SERIES}
}

# Debian's config files that the profiles build from (their BASE_CONFIG), for
# every architecture: what make bump takes from each architecture's
# linux-config-<series> into configs/vendor/.
vendor_config_names() {
	local def a
	for a in $(all_arches); do
		for def in "$TOP"/kconfig-fragments/profiles/*; do
			(
				load_arch "$a"
				BASE_CONFIG=''
				# shellcheck source=/dev/null
				. "$def"
				echo "$BASE_CONFIG"
			)
		done
	done | sort -u
}

# Copies the repository's own files to $1: in a git checkout the tracked and
# new files (not ignored ones), else everything but the generated trees.
copy_source_tree() {
	mkdir -p "$1"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files -co --exclude-standard -z) | rsync -a --files-from=- --from0 "$TOP/" "$1/"
	else
		rsync -a --exclude=/build --exclude=/out --exclude=/.git "$TOP/" "$1/"
	fi
}

# Every version of a package ($1) that apt can install, one per line; $2
# names another architecture than this machine's, looked up in its own apt
# state (foreign_apt).
archive_versions() {
	local query=(apt-cache)
	if [ -n "${2:-}" ]; then query=(foreign_apt "$2" apt-cache); fi
	"${query[@]}" madison "$1" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u
}

# The newest of them, in dpkg's version order.
newest_version() {
	local best='' v
	while read -r v; do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done < <(archive_versions "$1")
	echo "$best"
}

# apt-get or apt-cache ($2...) on another architecture's ($1) packages of
# this machine's sources, for apt-get download of linux-config-<series>:arm64:
# its own lists, cache and an empty dpkg status in build/cache/apt-<arch>, so
# neither apt's state here nor dpkg's architectures change (no dpkg
# --add-architecture).
foreign_apt() {
	local arch=$1 dir=$BUILD_ROOT/cache/apt-$1 tool=apt-get
	shift
	if [ "$1" = apt-cache ]; then tool=apt-cache && shift; fi
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	touch "$dir/status"
	"$tool" -q -o APT::Architecture="$arch" -o APT::Architectures="$arch" -o APT::Sandbox::User=root \
		-o Dir::State::Lists="$dir/lists" -o Dir::State::Status="$dir/status" -o Dir::Cache="$dir" "$@"
}

# Whether the kernel in object directory $1 has device trees to ship, decided
# as the kernel's own scripts/package/builddeb does: a config with
# OF_EARLY_FLATTREE, on an architecture that has boot/dts. Debian's arm64
# configs have it (boards boot with a device tree, servers with ACPI); its
# x86 ones do not.
has_dtbs() {
	grep -qx 'CONFIG_OF_EARLY_FLATTREE=y' "$1/.config" && [ -d "$SRC_DIR/arch/$KERNEL_ARCH/boot/dts" ]
}

# apt-get update of another architecture's apt state, one at a time: apt
# does not wait for its lists lock, and the cross suite looks up stock
# packages from the VM image build and a test at once.
foreign_apt_update() {
	local dir=$BUILD_ROOT/cache/apt-$1
	mkdir -p "$dir"
	(
		flock 9
		foreign_apt "$1" update -qq >/dev/null
	) 9>"$dir/update.lock"
}

# Debian's own image package of the pinned version, the contrast to ours: the
# signed linux-image-$STOCK_KREL, or before Debian has signed that upload its
# -unsigned twin (the same kernel, /boot/vmlinuz-$STOCK_KREL, without the
# Secure Boot signature, which the test VM does not check).
# Another architecture's packages are looked up in its own apt state
# (foreign_apt, updated here: this machine's lists have none of them).
# Usage: stock_image_package RELEASE   ($STOCK_KREL, or another of Debian's
# releases of the pinned version, such as 6.1.0-57-cloud-arm64)
stock_image_package() {
	local pkg=linux-image-${1:?usage: stock_image_package RELEASE} foreign=''
	if [ -n "$CROSS_COMPILE" ]; then
		foreign=$ARCH
		foreign_apt_update "$ARCH" || die "apt-get update of the $ARCH package lists failed: is Debian's archive reachable?"
	fi
	if ! archive_versions "$pkg" "$foreign" | grep -qxF "$VENDOR_VERSION" &&
		archive_versions "$pkg-unsigned" "$foreign" | grep -qxF "$VENDOR_VERSION"; then
		pkg=$pkg-unsigned
	fi
	echo "$pkg"
}

# A patch is made on (and refreshed against) one series: the one named in its
# path (<topic>/<series>/...), else the default series. On another series it
# may apply at an offset, which fuzz 0 allows; only fuzz would need a variant.
patch_is_native() {
	case "$1" in
	*/"$SERIES"/*) return 0 ;;
	esac
	[ "$SERIES" = "$DEFAULT_SERIES" ]
}

load_profile() {
	local def=$TOP/kconfig-fragments/profiles/$PROFILE
	[ -f "$def" ] || die "unknown profile '$PROFILE': valid profiles are $(valid_names "$TOP/kconfig-fragments/profiles")(PROFILE=...)"
	BASE_CONFIG='' LOCALMOD_MODULES=''
	# shellcheck source=/dev/null
	. "$def"
	[ -n "$BASE_CONFIG" ] || die "$def sets no BASE_CONFIG"
	# OBJ_DIR= from the environment builds elsewhere (the reproducibility test does).
	OBJ_DIR=${OBJ_DIR:-$SERIES_DIR/obj-$PROFILE$NAME_SUFFIX}
	# The committed result of resolve-config (make configs).
	RESOLVED_CONFIG=$TOP/configs/$SERIES-$PROFILE$NAME_SUFFIX.config
	# Where build-debs collects the packages.
	DEB_DIR=$TOP/out/$SERIES/$PROFILE$NAME_SUFFIX
}

# The first word of every line of a list file ($1: patches/series,
# kconfig-fragments/order) that applies here. A line tagged "# only: WORD..."
# applies where each dimension its words name matches: a series
# (series.d/), an architecture (arch.d/) or, with $2, a profile
# (kconfig-fragments/profiles/). "# only: 6.12 amd64" is 6.12 on amd64; "#
# only: 6.1 6.12" is either series. An unknown word is refused with file:line.
only_lines() {
	local file=$1 profile=${2:-}
	awk -v series="$SERIES" -v arch="${ARCH:-}" -v profile="$profile" -v name="${file#"$TOP"/}" \
		-v all_series="$(valid_names "$TOP/series.d")" -v all_arches="$(valid_names "$TOP/arch.d")" \
		-v all_profiles="$(valid_names "$TOP/kconfig-fragments/profiles")" '
	function known(list, w) { return index(" " list, " " w " ") > 0 }
	$1 !~ /^#/ && NF {
		if (match($0, /#[ \t]*only:/)) {
			n = split(substr($0, RSTART + RLENGTH), w, /[ \t]+/)
			named_s = named_a = named_p = hit_s = hit_a = hit_p = 0
			for (i = 1; i <= n; i++) {
				if (w[i] == "") continue
				if (known(all_series, w[i])) { named_s = 1; if (w[i] == series) hit_s = 1 }
				else if (known(all_arches, w[i])) { named_a = 1; if (w[i] == arch) hit_a = 1 }
				else if (known(all_profiles, w[i])) { named_p = 1; if (w[i] == profile) hit_p = 1 }
				else { printf "error: %s:%d: \"# only: %s\" names no series, architecture or profile: give one of %s%s%s\n", name, NR, w[i], all_series, all_arches, all_profiles > "/dev/stderr"; bad = 1; exit 1 }
			}
			if ((named_s && !hit_s) || (named_a && !hit_a) || (named_p && profile != "" && !hit_p)) next
		}
		print $1
	}
	END { exit bad }' "$file"
}

# The patches of SERIES (and ARCH), in order, from a series file ($1, default
# patches/series): only_lines.
series_patches() {
	only_lines "${1:-$TOP/patches/series}"
}

# Quilt always runs with the project's settings, so that push and refresh
# behave the same for every developer and in CI. It runs in a source tree, on
# that tree's .quilt-series: SERIES' lines of patches/series. Quilt records
# its patches directory and series file in .pc at the first push and prefers
# them to the environment, so they are set there too.
# PATCHES_DIR: another copy of patches/ (scripts/bump refreshes a scratch copy).
run_quilt() {
	local patches=${PATCHES_DIR:-$TOP/patches}
	series_patches "$patches/series" >.quilt-series
	if [ -d .pc ]; then
		echo "$patches" >.pc/.quilt_patches
		echo "$PWD/.quilt-series" >.pc/.quilt_series
	fi
	QUILT_PATCHES=$patches QUILT_SERIES=$PWD/.quilt-series QUILT_PC=.pc \
		quilt --quiltrc "$TOP/scripts/quiltrc" "$@"
}

# The kernel's own make, out of tree: the source stays clean and shared by all
# profiles, each profile builds in its own object directory. gcc-12 is what
# Debian builds its kernels with; ccache is used whenever it is installed.
# Kconfig probes the host's tools and writes what it finds into .config
# (CONFIG_PAHOLE_VERSION, CONFIG_RUSTC_VERSION, CONFIG_GCC_PLUGINS...), so the
# kernel sees only packaged tools (KMAKE_PATH: the system directories, never
# /usr/local or a user's ~/.cargo/bin), each declared in debian/control's
# Build-Depends or, where its mere presence would change the config,
# Build-Conflicts. Rust is not built (Debian's bookworm kernels have no Rust:
# their configs say CONFIG_RUSTC_VERSION=0), so no Rust compiler is named.
KMAKE_PATH=/usr/sbin:/usr/bin:/sbin:/bin
# Another architecture's kernel is built with Debian's cross compiler of the
# same version (gcc-12-<GNU type>), and arm64's compat vDSO with the armhf one.
kmake() {
	local objdir=$1
	shift
	local gcc=${CROSS_COMPILE}gcc-12 distcc_env=() cross=()
	local cc=$gcc
	PATH=$KMAKE_PATH command -v "$gcc" >/dev/null || die "$gcc is missing, needed for ARCH=$ARCH: run 'sudo make deps'"
	if [ -n "$CROSS_COMPILE_COMPAT" ]; then
		PATH=$KMAKE_PATH command -v "${CROSS_COMPILE_COMPAT}gcc-12" >/dev/null ||
			die "${CROSS_COMPILE_COMPAT}gcc-12 (the compat vDSO's compiler) is missing, needed for ARCH=$ARCH: run 'sudo make deps'"
		cross=(CROSS_COMPILE_COMPAT="$CROSS_COMPILE_COMPAT" CC_COMPAT="${CROSS_COMPILE_COMPAT}gcc-12")
	fi
	if PATH=$KMAKE_PATH command -v ccache >/dev/null; then cc="ccache $gcc"; fi
	# DISTCC_HOSTS (distcc's own syntax) spreads the compile: ccache stays first
	# in line and hands its misses to distcc through CCACHE_PREFIX, so CC, hence
	# kbuild's command lines, CC_VERSION_TEXT and the objects, do not change.
	# DISTCC_LOG collects what build-kernel counts.
	if [ -n "${DISTCC_HOSTS:-}" ]; then
		[ "$cc" != "$gcc" ] || die "DISTCC_HOSTS needs ccache in front of distcc: run 'make deps'"
		# distcc keeps its locks and host states in DISTCC_DIR and does not create it.
		mkdir -p "$objdir/.distcc"
		distcc_env=(CCACHE_PREFIX="$TOP/scripts/distcc-cc" DISTCC_LOG="$objdir/distcc.log" DISTCC_DIR="$objdir/.distcc")
	fi
	# dpkg-buildpackage exports hardening CFLAGS/LDFLAGS for userspace; the
	# kernel's own tools (objtool) would pick them up, so they are dropped.
	# Nor may it inherit what was given to our make: 'make bump VERSION=...'
	# would reach it through MAKEFLAGS and set the kernel's own VERSION.
	env -u CFLAGS -u CPPFLAGS -u CXXFLAGS -u LDFLAGS \
		-u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS -u MAKELEVEL PATH="$KMAKE_PATH" "${distcc_env[@]}" \
		make -C "$SRC_DIR" O="$objdir" ARCH="$KERNEL_ARCH" CROSS_COMPILE="$CROSS_COMPILE" "${cross[@]}" \
		CC="$cc" PAHOLE=pahole RUSTC=false BINDGEN=false "$@"
}

# FRAGMENTS: the paths of the kconfig-fragments/order lines that apply to
# this series, architecture and profile (only_lines).
load_fragments() {
	local f names
	names=$(only_lines "$TOP/kconfig-fragments/order" "$PROFILE") || exit 1
	FRAGMENTS=()
	for f in $names; do
		[ -f "$TOP/kconfig-fragments/$f" ] || die "fragment $f (kconfig-fragments/order) does not exist: add the file or drop the name"
		FRAGMENTS+=("$TOP/kconfig-fragments/$f")
	done
}

# Build identity from debian/changelog, so that two builds of one commit embed
# the same strings (uname -v reads like Debian's: "#1 SMP PREEMPT_DYNAMIC 6.1.192-2+tickless1 (2026-11-22)";
# the kernel cuts it at 64 characters, which a 6.12 version with a date just fits).
load_build_identity() {
	local cl=$CHANGELOG
	PKG_VERSION=$(dpkg-parsechangelog -l "$cl" -SVersion)
	export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(dpkg-parsechangelog -l "$cl" -STimestamp)}
	export KBUILD_BUILD_TIMESTAMP
	KBUILD_BUILD_TIMESTAMP=$(date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %e %H:%M:%S UTC %Y')
	export KBUILD_BUILD_VERSION_TIMESTAMP
	KBUILD_BUILD_VERSION_TIMESTAMP="$PKG_VERSION ($(date -u -d "@$SOURCE_DATE_EPOCH" +%F))"
	export KBUILD_BUILD_USER=linux-tickless KBUILD_BUILD_HOST=linux-tickless KBUILD_BUILD_VERSION=1
}

# The Build-Depends (or the field $2) of a debian/control ($1), one relation
# per line, as written (with version, [arch] and <profile>): what apt-get
# satisfy takes, which evaluates the architecture and profile restrictions.
build_depends() {
	awk -v field="${2:-Build-Depends}:" '/^#/ { next }
		/^[^ \t]/ { in_bd = ($1 == field); sub("^" field, "") }
		/^$/ { exit }
		in_bd { print }' "$1" | tr ',' '\n' | sed 's/^[ \t]*//; s/[ \t]*$//' | grep -v '^$'
}

# The build dependencies debian/control declares, checked with dpkg's own
# dpkg-checkbuilddeps, reported as one line naming the packages and the fix.
# $1: the source package's directory (default: the repository root).
check_build_deps() {
	local unmet
	local cross=()
	if [ -n "${CROSS_COMPILE:-}" ]; then cross=(-a"$ARCH" -Pcross); fi
	if ! unmet=$(cd "${1:-$TOP}" && dpkg-checkbuilddeps "${cross[@]}" 2>&1); then
		unmet=$(echo "$unmet" | sed -n 's/.*Unmet build dependencies: //p')
		die "missing build dependencies: ${unmet:-see dpkg-checkbuilddeps}: run 'sudo make deps'"
	fi
}
