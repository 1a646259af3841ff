# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the integration tests that run real servers (sourced, POSIX sh):
# a temporary directory removed on exit (kept with ATTRIB_TEST_KEEP=1), the
# processes listed in $pids stopped on exit, a file system mounted at
# $harness_mount unmounted, and fail() counting failures.
#
#   . harness.sh; harness_need TOOL...; harness_tmp NAME

# harness_need TOOL...: skip the test (exit 77) unless every TOOL is there.
harness_need() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "SKIP: $tool is needed (scripts/setup-debian installs it)"
			exit 77
		fi
	done
}

# harness_tmp NAME: $tmp, a new directory, cleaned up on exit.
harness_tmp() {
	tmp=$(mktemp -d "/tmp/attrib-$1.XXXXXX")
	pids=
	harness_mount=
	failures=0
	trap harness_cleanup EXIT
	trap 'exit 1' INT TERM
}

harness_cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	[ -z "$harness_mount" ] || umount "$harness_mount" 2>/dev/null
	if [ -n "${ATTRIB_TEST_KEEP:-}" ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# harness_end: the test's exit, with the count of failures.
harness_end() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures failures"
		exit 1
	fi
	echo "ok"
	exit 0
}
