#!/usr/bin/env bash
# What Vajra's BPF programs cost the traced process, per program: their average run time
# from the kernel's own counters (kernel.bpf_stats_enabled), during a W1-like storm
# (bench/workloads/file_storm.c: open(O_TRUNC)+write+close in a FIM-watched tmpfs tree,
# with a log source configured elsewhere, as compare.sh's `vajra` runs it).
# Only the programs loaded by this Vajra are reported (those that were not loaded before
# it started). Every process's syscalls run them, not only the storm's: compare "runs"
# with COUNT to see how much of the figure is the storm.
#
#   bench/bpf-costs.sh                 (after `make`; as root)
#   COUNT=500000 bench/bpf-costs.sh
# Prints a Markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-200000}
WARMUP=${WARMUP:-30000}
VAJRA=${VAJRA:-build/vajra}
TREE=${TREE:-/dev/shm/vajra-bench-bpf-costs}

. bench/lib.sh
require_root_and_vajra bpf-costs
command -v bpftool >/dev/null || { echo "bpf-costs: bpftool is missing (make deps)" >&2; exit 1; }
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
extra_cleanup() { sysctl -qw kernel.bpf_stats_enabled="$stats_before"; }
bench_scratch "$TREE" "$TREE-logs"

gcc -O2 -Wall -o "$work/file_storm" bench/workloads/file_storm.c
w1_setting

bpftool prog show -j >"$work/before-start.json"
start_vajra --config "$work/vajra.json"
"$work/file_storm" "$WARMUP" "$TREE/w1" >/dev/null
sleep 1
sysctl -qw kernel.bpf_stats_enabled=1
bpftool prog show -j >"$work/p0.json"
storm=$("$work/file_storm" "$COUNT" "$TREE/w1")
bpftool prog show -j >"$work/p1.json"
sysctl -qw kernel.bpf_stats_enabled="$stats_before"
echo "bpf-costs: storm $storm" >&2

python3 - "$work/before-start.json" "$work/p0.json" "$work/p1.json" "$COUNT" <<'EOF'
import json, sys
before = {p["id"] for p in json.load(open(sys.argv[1]))}
p0 = {p["id"]: p for p in json.load(open(sys.argv[2]))}
count = int(sys.argv[4])
rows, total = [], 0
for p in json.load(open(sys.argv[3])):
    if p["id"] in before:
        continue
    q = p0.get(p["id"], {})
    runs = p.get("run_cnt", 0) - q.get("run_cnt", 0)
    ns = p.get("run_time_ns", 0) - q.get("run_time_ns", 0)
    if runs <= 0:
        continue
    total += ns
    rows.append((p.get("name", "?"), runs, ns))
print("| program | runs | ns per run | ns per storm cycle |")
print("|---|---:|---:|---:|")
for name, runs, ns in sorted(rows, key=lambda r: -r[2]):
    print(f"| `{name}` | {runs:,} | {ns / runs:,.0f} | {ns / count:,.0f} |")
print(f"| all | | | {total / count:,.0f} |")
EOF
