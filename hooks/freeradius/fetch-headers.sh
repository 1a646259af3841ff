#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Debian 12's libfreeradius-dev lacks eight headers that radiusd.h needs
# (fixed upstream in 3.2.9).  At build time, take them from Debian's source
# package of exactly the installed version, or from a FreeRADIUS source tree
# of that version given as SRC, into OUTDIR, rewriting <freeradius-devel/x.h>
# to <freeradius/x.h> as upstream's installer does.  They are GPL-2 source of
# another project: they live in the build tree only, never in the repository.
#
# usage: fetch-headers.sh VERSION OUTDIR [SRC]
set -eu

version=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
src=${3:-}
headers="automask connection log xlat tmpl clients process listen"

if [ -z "$src" ]; then
	work=$out/.source
	rm -rf "$work"
	mkdir -p "$work"
	# apt-get source needs a deb-src entry (scripts/setup-debian adds one)
	# and dpkg-source from dpkg-dev to unpack.
	if ! (cd "$work" && apt-get source -q "freeradius=$version" >"$work.log" 2>&1); then
		cat "$work.log" >&2
		echo "fetch-headers: apt-get source freeradius=$version failed: is there a" \
			"deb-src entry (scripts/setup-debian adds one) and is dpkg-dev installed?" \
			"Or configure with -Dfreeradius-source=DIR" >&2
		exit 1
	fi
	src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'freeradius-*' | head -n 1)
fi
for h in $headers; do
	if [ ! -f "$src/src/include/$h.h" ]; then
		echo "fetch-headers: $src/src/include/$h.h is missing" >&2
		exit 1
	fi
	sed 's|<freeradius-devel/|<freeradius/|' "$src/src/include/$h.h" >"$out/$h.h.tmp"
	mv "$out/$h.h.tmp" "$out/$h.h"
done
rm -rf "${work:-}" "${work:-}.log"
