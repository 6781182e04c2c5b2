#!/usr/bin/env bash
# Container attribution: what it costs and what it keeps.
#  1. Cost per event: the process programs' average run time (kernel.bpf_stats_enabled)
#     during an exec storm, with attribution on and with --no-containers.
#  2. Memory after CONTAINERS short-lived containers (cgroups named like Docker's,
#     one process each, removed at once): cache sizes from vajra_stats and the
#     extension's RSS before and after.
#
#   bench/containers.sh               (after `make`; as root)
#   CONTAINERS=10000 EXECS=5000 bench/containers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CONTAINERS=${CONTAINERS:-10000}
EXECS=${EXECS:-5000}
VAJRA=${VAJRA:-build/vajra}
work=$(mktemp -d)
trap 'rm -rf "$work"; sysctl -qw kernel.bpf_stats_enabled=0' EXIT
[ -x "$VAJRA" ] || { echo "containers: $VAJRA is missing: run make first" >&2; exit 1; }
. bench/lib.sh
gcc -O2 -Wall -o "$work/exec_storm" bench/workloads/exec_storm.c

# Average ns per run of each process program, from bpftool's run_time_ns/run_cnt.
program_costs() {
	bpftool prog show 2>/dev/null | awk '/ name (process_|execve)/ {
		n = ""; t = 0; c = 0
		for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
		if (c > 0) printf "%s=%.0f ", n, t / c }'
}

echo "## Attribution cost per event ($EXECS fork+exec+exit of /bin/true, 2 workers)"
for mode in on off; do
	opts=""
	[ "$mode" = off ] && opts="--no-containers"
	# shellcheck disable=SC2086
	start_vajra --events-max $((EXECS * 4)) $opts
	sysctl -qw kernel.bpf_stats_enabled=1
	"$work/exec_storm" "$EXECS" 2 "attr-$mode" >/dev/null
	echo "attribution $mode: $(program_costs)"
	sysctl -qw kernel.bpf_stats_enabled=0
	stop_vajra
done

echo
echo "## Memory after $CONTAINERS short-lived containers"
start_vajra
rss_before=$(rss_kib "$vajra_pid")
hierarchies="unified pids memory cpu"
for i in $(seq "$CONTAINERS"); do
	id=$(printf '%064x' "$((i + 0x7a1a0000))")
	for h in $hierarchies; do mkdir -p "/sys/fs/cgroup/$h/docker/$id"; done
	sh -c "for h in $hierarchies; do echo \$\$ > /sys/fs/cgroup/\$h/docker/$id/cgroup.procs; done; exec /bin/true"
	for h in $hierarchies; do rmdir "/sys/fs/cgroup/$h/docker/$id"; done
done
sleep 1
ask "SELECT value AS names FROM vajra_stats WHERE name = 'cgroup_names';" '"names"'
names=$(answer names)
ask "SELECT value AS known FROM vajra_stats WHERE name = 'containers_known';" '"known"'
known=$(answer known)
# The store keeps the latest 50,000 rows only; vajra_containers keeps every container.
ask "SELECT count(*) AS attributed FROM vajra_containers WHERE container_runtime = 'docker' AND container_id LIKE '00000000000000000000000000000000000000000000000000000000%';" '"attributed"'
attributed=$(answer attributed)
rss_after=$(rss_kib "$vajra_pid")
stop_vajra
for h in $hierarchies; do rmdir "/sys/fs/cgroup/$h/docker" 2>/dev/null || true; done
echo "containers run: $CONTAINERS; in vajra_containers as docker: $attributed"
echo "cgroup names cached: $names (bound 65,536); containers known: $known (bound 16,384)"
echo "RSS: ${rss_before} KiB before, ${rss_after} KiB after (JVM heap included; store also holds the events)"
