#!/usr/bin/env bash
# What Vajra's BPF programs cost the traced process, per program: their average run time
# from the kernel's own counters (kernel.bpf_stats_enabled), during a storm with every table
# on, FIM watching a tmpfs tree and a log source configured elsewhere, as compare.sh's
# `vajra` runs it. WORKLOAD picks the storm: W1 (bench/workloads/file_storm.c:
# open(O_TRUNC)+write+close in the watched tree, the default), W2
# (bench/workloads/exec_storm.c: fork+exec of /bin/true, one worker) or W3
# (bench/workloads/socket_storm.c: TCP connect+accept+close on loopback).
# Only the programs loaded by this Vajra are reported (those that were not loaded before
# it started). Every process's syscalls run them, not only the storm's: compare "runs"
# with COUNT to see how much of the figure is the storm.
#
#   bench/bpf-costs.sh                 (after `make`; as root)
#   COUNT=500000 bench/bpf-costs.sh
#   WORKLOAD=W3 COUNT=100000 bench/bpf-costs.sh
#   WORKLOAD=W2 COUNT=5000 WARMUP=1000 bench/bpf-costs.sh
#   STORM_CPUS=0 WORKLOAD=W3 bench/bpf-costs.sh     (storm pinned with taskset: steadier
#                     figures for an A/B of two builds, without the cross-CPU effects)
#   STORM_CPUS=0 ACCEPTOR_CPU=1 WORKLOAD=W3 bench/bpf-costs.sh   (W3's two sides pinned
#                     to two CPUs: both produce at once, as unpinned runs mostly do)
# Prints a Markdown table on stdout.
# The counters time each run with two reads of the scheduler's clock, which on this VM is
# kvm-clock at ~33 ns a read (perf, docs/design.md): each figure carries about one of them,
# most of what a small program like tcp_state shows. Good for comparing two builds; for
# what the programs cost without the counters, profile with perf (see docs/design.md).
set -euo pipefail
cd "$(dirname "$0")/.."

WORKLOAD=${WORKLOAD:-W1}
STORM_CPUS=${STORM_CPUS:-}
VAJRA_OPTS=${VAJRA_OPTS:-} # more options for `vajra shell`, e.g. --ring-size=1M
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
gcc -O2 -Wall -o "$work/socket_storm" bench/workloads/socket_storm.c
gcc -O2 -Wall -o "$work/exec_storm" bench/workloads/exec_storm.c
w1_setting
case "$WORKLOAD" in
W1) storm_once() { ${STORM_CPUS:+taskset -c "$STORM_CPUS"} "$work/file_storm" "$1" "$TREE/w1"; } ;;
W2) storm_once() { ${STORM_CPUS:+taskset -c "$STORM_CPUS"} "$work/exec_storm" "$1" 1 "bpf-costs-$$"; } ;;
W3) storm_once() { ${STORM_CPUS:+taskset -c "$STORM_CPUS"} "$work/socket_storm" "$1"; } ;;
*) echo "bpf-costs: WORKLOAD is W1, W2 or W3, not $WORKLOAD" >&2; exit 2 ;;
esac

bpftool prog show -j >"$work/before-start.json"
start_vajra --config "$work/vajra.json" ${VAJRA_OPTS:-}
storm_once "$WARMUP" >/dev/null
sleep 1
sysctl -qw kernel.bpf_stats_enabled=1
bpftool prog show -j >"$work/p0.json"
storm=$(storm_once "$COUNT")
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
