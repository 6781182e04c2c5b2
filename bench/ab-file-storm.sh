#!/usr/bin/env bash
# Two Vajra builds side by side on W1 (bench/workloads/file_storm.c: open(O_TRUNC) + write
# + close in a FIM-watched tmpfs tree, a log source configured elsewhere, as compare.sh's
# `vajra` runs it): nothing attached, build A, build B, in turn, ROUNDS times. Each build is
# started afresh per round, warmed with WARMUP cycles, then timed on COUNT cycles. Prints the
# per-round ratios to nothing attached and their medians: what a change to the kernel side
# buys W1, without the rest of compare.sh.
#
#   A=/path/to/old/build/vajra B=build/vajra bench/ab-file-storm.sh        (as root)
#   ROUNDS=8 COUNT=300000 A=... B=... bench/ab-file-storm.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-6}
COUNT=${COUNT:-200000}
WARMUP=${WARMUP:-30000}
TREE=${TREE:-/dev/shm/vajra-bench-ab}
A=${A:?"set A to the first build's vajra launcher"}
B=${B:-build/vajra}

. bench/lib.sh
VAJRA=$A require_root_and_vajra ab-file-storm
VAJRA=$B require_root_and_vajra ab-file-storm
bench_scratch "$TREE" "$TREE-logs"

gcc -O2 -Wall -o "$work/file_storm" bench/workloads/file_storm.c
w1_setting

storm() { # -> cycles per second
	"$work/file_storm" "$1" "$TREE/w1" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { printf "%.0f", v["ops"] / v["seconds"] }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else if (NR) print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "| round | none cycles/s | A | B | A ratio | B ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
	none=$(storm "$COUNT")
	declare -A speed=()
	for build in A B; do
		VAJRA=${!build}
		start_vajra --config "$work/vajra.json"
		storm "$WARMUP" >/dev/null
		sleep 2
		speed[$build]=$(storm "$COUNT")
		stop_vajra
		vajra_pid=""
	done
	awk -v r="$round" -v n="$none" -v a="${speed[A]}" -v b="${speed[B]}" \
		'BEGIN { printf "| %d | %d | %d | %d | %.3f | %.3f |\n", r, n, a, b, a / n, b / n }' | tee -a "$work/rows"
done
echo
echo "median ratio: A $(awk -F'|' '{ print $6 + 0 }' "$work/rows" | median), B $(awk -F'|' '{ print $7 + 0 }' "$work/rows" | median)" \
	"($ROUNDS rounds of $COUNT cycles; A=$A, B=$B)"
