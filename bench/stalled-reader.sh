#!/usr/bin/env bash
# What a stalled reader costs the traced processes: a W1 storm (bench/workloads/file_storm.c,
# open+write+close in a FIM-watched tmpfs tree) with Vajra's JVM running, then with it
# stopped (SIGSTOP: a long GC pause, a reader with no CPU), alternating, ROUNDS times. COUNT
# cycles fill about COUNT x 330 bytes of the ring: the default 40,000 stay under three
# quarters of the 16M ring, where the producers' wake-ups stop being rationed (bpf/common.h).
# Until 2026-12 every record past a quarter of the ring forced a wake-up: with the reader
# stopped this storm ran 3x slower (0.285 s against 0.093 s for 40,000 cycles).
#
#   bench/stalled-reader.sh            (after `make`; as root)
#   ROUNDS=10 COUNT=30000 bench/stalled-reader.sh
# Prints a Markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-40000}
VAJRA=${VAJRA:-build/vajra}
TREE=${TREE:-/dev/shm/vajra-bench-stalled}

. bench/lib.sh
require_root_and_vajra stalled-reader
jvm_stopped=""
extra_cleanup() { [ -n "$jvm_stopped" ] && kill -CONT "$jvm_stopped" 2>/dev/null; }
bench_scratch "$TREE" "$TREE-logs"

gcc -O2 -Wall -o "$work/file_storm" bench/workloads/file_storm.c
w1_setting
start_vajra --config "$work/vajra.json"
jvm=$vajra_pid # the launcher execs java
"$work/file_storm" 200000 "$TREE/w1" >/dev/null # warm-up
sleep 2
seconds() { "$work/file_storm" "$COUNT" "$TREE/w1" | sed -E 's/.*seconds=([0-9.]+).*/\1/'; }
echo "| round | reader running, s | reader stopped, s | stopped / running |"
echo "|---:|---:|---:|---:|"
for r in $(seq "$ROUNDS"); do
	running=$(seconds)
	sleep 1
	kill -STOP "$jvm"
	jvm_stopped=$jvm
	stopped=$(seconds)
	kill -CONT "$jvm"
	jvm_stopped=""
	sleep 2 # the reader drains the ring
	awk -v r="$r" -v a="$running" -v b="$stopped" 'BEGIN { printf "| %d | %.3f | %.3f | %.2f |\n", r, a, b, b / a }'
done
