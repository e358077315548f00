#!/bin/sh
# The must-show of the Debian package: install the .deb with apt-get into a
# fresh copy of a clean Debian 12 root (debootstrap, cached) and use it there
# (tests/package/in_root.sh).  Exits 77 (skipped) when not run as root.
#   bookworm.sh DEB SRCDIR WORKDIR
# The pristine root is $SIGJAM_DEBROOT/bookworm (default
# /var/cache/sigjam/debroot); it is built once and copied for every run.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 DEB SRCDIR WORKDIR" >&2; exit 2; }
deb=$1 src=$2 work=$3
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: building and entering a Debian root needs root (debootstrap, chroot)"
	exit 77
fi
debroot=$src/tools/debroot
pristine=${SIGJAM_DEBROOT:-/var/cache/sigjam/debroot}/bookworm
t0=$(date +%s)
"$debroot" build "$pristine" bookworm python3-pytest,man-db,bash-completion
t1=$(date +%s)
"$debroot" copy "$pristine" "$work/root"
cp "$deb" "$src/tests/package/in_root.sh" "$work/root/root/"
t2=$(date +%s)
# A pid namespace of its own, as in a container: in_root.sh is its pid 1.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
	"$debroot" enter --pidns "$work/root" /bin/sh /root/in_root.sh "/root/$(basename "$deb")"
t3=$(date +%s)
echo "times: root $((t1 - t0)) s, copy $((t2 - t1)) s, install and checks $((t3 - t2)) s"
rm -rf "$work/root"
