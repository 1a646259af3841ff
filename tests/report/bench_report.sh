#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_report: how fast `attrib report` resolves a big Shadowserver CSV, and
# in how much memory.  bench_lookup writes a store of ten million bindings
# (at scale 1) and a million questions with the account each must name; the
# questions become one CSV of a million rows; attrib report answers it in
# one run on the store, timed, its peak resident size taken by GNU time,
# and every answer checked.  The alternative, measured in the same run on a
# sample, is what a desk scripts without it: one `attrib lookup` per event.
#
# usage: bench_report.sh ATTRIB BENCH_LOOKUP [--scale X]   (or ATTRIB_BENCH_SCALE)
set -eu

attrib=$1
bench_lookup=$2
shift 2
scale=${ATTRIB_BENCH_SCALE:-1}
if [ "${1:-}" = --scale ] && [ -n "${2:-}" ]; then
	scale=$2
fi
rows=$(awk -v s="$scale" 'BEGIN { n = int(1000000 * s); print n < 1000 ? 1000 : n }')
sample=$(awk -v r="$rows" 'BEGIN { print r < 5000 ? 100 : 500 }')

for tool in /usr/bin/time awk; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench_report: $tool is needed (scripts/setup-debian installs it)" >&2
		exit 77
	fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/attrib-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

figure() { # NAME VALUE UNIT
	printf '%s: %s %s\n' "$1" "$2" "$3"
}

echo "# bench_report: attrib report on one Shadowserver CSV of $rows rows"
echo "# scale $scale (--scale or ATTRIB_BENCH_SCALE); tolerance 0, so that each answer"
echo "# is the one binding the generator made"
"$bench_lookup" --make-store "$dir" --scale "$scale" --queries "$rows" >"$dir/store.txt" 2>/dev/null
grep '^build.bindings' "$dir/store.txt" | sed 's/^build/store/'

# The CSV: Shadowserver's timestamp (UTC by the format) and src_ip.  The
# times are cut to whole seconds; no binding starts between those.
awk -F '\t' 'BEGIN {
	print "\"timestamp\",\"protocol\",\"src_ip\",\"src_port\",\"infection\""
}
{
	t = substr($2, 1, 10) " " substr($2, 12, 8)
	printf "\"%s\",\"tcp\",\"%s\",%d,\"bench\"\n", t, $1, 1024 + NR % 60000
}' "$dir/queries.tsv" >"$dir/report.csv"
figure csv.bytes "$(wc -c <"$dir/report.csv")" bytes

/usr/bin/time -f '%e %M' -o "$dir/time" \
	"$attrib" --db "$dir/store.db" --tolerance 0 --json report "$dir/report.csv" \
	>"$dir/out.jsonl"
read -r secs rss_kib <"$dir/time"

# Every answer against the account the generator put there, in file order.
awk -F '\t' 'NR == FNR { want[NR + 1] = $3; next }
/^{"type":"event"/ {
	line = $0; sub(/.*"line":/, "", line); sub(/,.*/, "", line)
	acc = $0
	if (acc ~ /"answer":{"status":"match"/) {
		sub(/.*"account":"/, "", acc); sub(/".*/, "", acc)
	} else {
		acc = "(no match)"
	}
	n++
	if (acc != want[line]) {
		if (bad++ < 5)
			print "bench_report: line " line ": got " acc ", want " want[line] > "/dev/stderr"
	}
}
END { print n + 0, bad + 0 }' "$dir/queries.tsv" "$dir/out.jsonl" >"$dir/check"
read -r answered wrong <"$dir/check"

figure report.events "$answered" events
figure report.seconds "$secs" s
figure report.rate "$(awk -v n="$answered" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')" events/s
figure report.peak_rss "$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')" MiB
figure report.wrong "$wrong" answers

# The alternative: one attrib lookup per event, on the first $sample rows.
start=$(date +%s.%N)
head -n "$sample" "$dir/queries.tsv" | while IFS="$(printf '\t')" read -r ip when _; do
	"$attrib" --db "$dir/store.db" lookup "$ip" "$when" >/dev/null || true
done
end=$(date +%s.%N)
alt=$(awk -v n="$sample" -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", n / (b - a) }')
figure lookup_per_event.rate "$alt" events/s
figure report_vs_lookup_per_event \
	"$(awk -v n="$answered" -v s="$secs" -v a="$alt" 'BEGIN { printf "%.1f", n / s / a }')" x

[ "$answered" -eq "$rows" ] && [ "$wrong" -eq 0 ]
