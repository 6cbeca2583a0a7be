#!/bin/sh
# Installs the Debian packages cylo needs to build, test and run every
# configured language.  Idempotent: with everything present it only asks
# dpkg, which takes well under a second.
set -eu
PKGS="gcc make pkg-config libinotifytools0-dev libconfuse-dev libseccomp-dev
libarchive-dev libjansson-dev check zlib1g-dev libbz2-dev liblzma-dev
libzstd-dev nettle-dev python3 nodejs golang-go rustc g++
default-jdk-headless ruby php-cli bash bubblewrap inotify-tools procps"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "cylo: missing packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "cylo: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
