#!/bin/sh
# dev.sh — set up a Debian 12 machine and build/run sigjam.
#   ./dev.sh deps    install the Debian packages sigjam needs (as root)
#   ./dev.sh demo    deps + build + the flagship demo
#   ./dev.sh package deps + build + the Debian package (build/default/sigjam_<version>_<arch>.deb),
#                    checked by lintian
#   ./dev.sh test    deps + build + the whole test suite (default and ASan presets)
# Idempotent: re-running only rebuilds what changed.
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential cmake ninja-build pkg-config clang \
libunwind-dev libdw-dev libelf-dev libcmocka-dev libjansson-dev \
python3 libpython3.11 python3-jsonschema libxml2-utils graphviz gdb elfutils strace fiu-utils \
python3-pytest man-db dpkg-dev lintian debootstrap util-linux"

deps() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "dev.sh: missing packages:$missing — run as root (or install them) and try again" >&2
		exit 2
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
}

build() {
	cmake --preset default >/dev/null
	cmake --build --preset default
}

case "${1:-}" in
deps) deps ;;
demo) deps; build; exec build/default/bin/sigjam demo ;;
package)
	deps
	build
	(cd build/default && cpack -G DEB)
	lintian --fail-on error,warning build/default/sigjam_*.deb
	ls build/default/sigjam_*.deb
	;;
test)
	deps
	cmake --workflow --preset default
	cmake --workflow --preset asan
	;;
*) echo "usage: ./dev.sh deps|demo|package|test" >&2; exit 2 ;;
esac
