#!/usr/bin/env bash
# Side by side: what Vajra costs the machine's work, next to bpftrace and auditd watching
# the same events, in one run of alternating rounds. `make bench` runs it.
#
# Workloads (bench/workloads/*.c, each a fixed amount of work, each timing itself):
#   W1 file_storm   FILE_COUNT x open(O_WRONLY|O_CREAT|O_TRUNC)+write+close in the
#                   watched tree on tmpfs (/dev/shm/vajra-bench-compare)
#   W2 exec_storm   EXEC_COUNT x fork+exec of /bin/true (EXEC_WORKERS processes)
#   W3 socket_storm CONN_COUNT x TCP connect/accept/close on loopback
#   W4 getpid_loop  GETPID_COUNT x syscall(SYS_getpid): what nobody watches
#   W5 build_loop   BUILD_RUNS x `gcc -O2` of each bench/workloads/*.c (a real, mixed job)
# Configurations, one after the other in every round (A B C D, A B C D, ...):
#   none            nothing attached
#   vajra           build/vajra shell: every table on (failed execs, sockets), FIM on W1's
#                   tree ({"file_paths": {"bench": ["<tree>/%%"]}}), and an idle log source
#                   (VAJRA_LOGS=0: none); started afresh for each round
#   vajra-lean      build/vajra shell with no table that needs a syscall tracepoint:
#                   process events only (--no-sockets --no-failed-execs, no FIM, no logs),
#                   what issue 8's W4 >= 0.98 target is about
#   bpftrace-print  bpftrace printing one line per event to a file (bench/compare.bt.in):
#                   every exec (sched:sched_process_exec), opens in W1's tree and their
#                   closes (syscalls:sys_enter_openat, sys_exit_close), TCP connects,
#                   accepts and those sockets' closes (sys_enter_connect, sys_exit_accept(4),
#                   sys_exit_close)
#   bpftrace-count  the same probes and filters, each event only counted (`@[probe] =
#                   count()`): the near-minimal cost of an eBPF program on those hooks
#   auditd          only with AUDITD=1, after every other round: audit rules for the same
#                   events (execve, openat -F dir=<tree>, connect/accept/accept4), logged
#                   by auditd; compared with `none-audited` rounds taken in turn with its
#                   own, after audit was first enabled. Once enabled, audit leaves every
#                   process started afterwards on the slow syscall path until reboot; this
#                   harness puts its own processes back on the fast path with a
#                   `-a never,task` rule while it runs (bench/lib.sh, audit_fast_path_on),
#                   but other processes stay slow: mind the machine's other benchmarks)
# Each turn of a configuration runs the workloads REPEATS times over, in turn (W1 W2 ...,
# W1 W2 ..., ...); a turn's figure for a workload is the median of its runs.
# For each workload and configuration: median ops/s, ratio to none (median of the
# per-round ratios, each round's none the geometric mean of its own and the next round's), the events captured against the ground truth, events lost, the
# monitor's CPU per 1,000 events it handled, its peak RSS. Then Vajra's pipeline ceiling
# (an open storm from CEILING_WORKERS processes in the watched tree, for each ring size
# of CEILING_RINGS: events/s drained into the store, and lost), the consumer's own drain
# ceiling (bench/drain-ceiling.sh: DRAIN_COUNT records put in a DRAIN_RING ring while Vajra
# is stopped, then drained), Vajra's CPU per 1,000 events once warmed (bench/steady-cpu.sh,
# STEADY_RUNS runs of W1, W2 and W3 in one shell; STEADY=0 skips it) and
# bench/osquery-bench.sh (launch to registered, generate rows/s through Thrift for OSQ_ROWS
# rows).
#
# Writes bench/out/<timestamp>/ (report.md, performance.png, results.tsv, logs) and, with
# PUBLISH=1 (the default), copies the report and chart to docs/performance.md and .png.
#
#   make bench-deps && make bench            (as root)
#   ROUNDS=3 FILE_COUNT=50000 EXEC_COUNT=1000 bench/compare.sh
#   ROUNDS=7 AUDITD=1 CEILING_COUNT=200000 bench/compare.sh   (docs/performance.md's run)
#   CONFIGS="none vajra" WORKLOADS="W1 W4" CEILING=0 OSQUERY=0 PUBLISH=0 bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The settings, and which of them the caller gave (the report's "exact command").
SETTINGS="ROUNDS REPEATS FILE_COUNT EXEC_COUNT EXEC_WORKERS CONN_COUNT GETPID_COUNT BUILD_RUNS WORKLOADS CONFIGS
	AUDITD CEILING CEILING_COUNT CEILING_WORKERS CEILING_RINGS DRAIN_COUNT DRAIN_ROUNDS DRAIN_RING OSQUERY OSQ_ROWS OSQ_LAUNCHES OSQ_GENERATES STEADY STEADY_RUNS
	VAJRA VAJRA_OPTS VAJRA_LOGS VAJRA_JAVA_OPTS VAJRA_STORE WARMUP PUBLISH OUT"
given=""
for v in $SETTINGS; do
	[ -n "${!v+set}" ] && given+="$v=$(printf '%q' "${!v}") "
done
command_line="${given}bench/compare.sh${*:+ $*}"
user_java_opts=${VAJRA_JAVA_OPTS:-}
[ -n "${MAKELEVEL:-}" ] && command_line="$command_line (via make bench)"

ROUNDS=${ROUNDS:-5}
# Runs of each workload per turn of a configuration (the turn cycles through the workloads
# REPEATS times); the turn's figure is their median. This VM's speed flips between levels
# ~40 % apart from one run to the next, a few seconds apart, with or without a monitor
# (docs/design.md): a median of three takes the level most of them met, where one run
# carries whichever it met into the round's ratio.
REPEATS=${REPEATS:-3}
FILE_COUNT=${FILE_COUNT:-200000}
# W2 and W3 run 2-3 s each: this VM's speed swings by ±15 % from one run to the next, a few
# seconds apart, and a run of 1 s (W2's 3,000 execs, W3's 30,000 connections) caught one
# swing where a longer one averages over several.
EXEC_COUNT=${EXEC_COUNT:-8000}
EXEC_WORKERS=${EXEC_WORKERS:-2}
CONN_COUNT=${CONN_COUNT:-80000}
GETPID_COUNT=${GETPID_COUNT:-20000000}
BUILD_RUNS=${BUILD_RUNS:-3}
WORKLOADS=${WORKLOADS:-W1 W2 W3 W4 W5}
CONFIGS=${CONFIGS:-none vajra vajra-lean bpftrace-print bpftrace-count}
AUDITD=${AUDITD:-0}
CEILING=${CEILING:-1}
CEILING_COUNT=${CEILING_COUNT:-500000}
CEILING_WORKERS=${CEILING_WORKERS:-2}
CEILING_RINGS=${CEILING_RINGS:-16M 1M}
DRAIN_COUNT=${DRAIN_COUNT:-1000000}
DRAIN_ROUNDS=${DRAIN_ROUNDS:-3}
DRAIN_RING=${DRAIN_RING:-512M}
OSQUERY=${OSQUERY:-1}
STEADY=${STEADY:-1}           # bench/steady-cpu.sh: Vajra's CPU per 1,000 events once warmed
STEADY_RUNS=${STEADY_RUNS:-8}
OSQ_ROWS=${OSQ_ROWS:-50000}
OSQ_LAUNCHES=${OSQ_LAUNCHES:-5}
OSQ_GENERATES=${OSQ_GENERATES:-9}
VAJRA=${VAJRA:-build/vajra}
VAJRA_OPTS=${VAJRA_OPTS:-}
VAJRA_LOGS=${VAJRA_LOGS:-1}
# shipped: the workloads' Vajra runs with the launcher's JVM options and the shipped store
# (50,000 rows per table: a run's oldest rows are evicted, and counted through their eids);
# every-row: a store sized to hold every row of a round, with a heap to match
VAJRA_STORE=${VAJRA_STORE:-shipped}
WARMUP=${WARMUP:-1}
PUBLISH=${PUBLISH:-1}
stamp=$(date +%Y%m%d-%H%M%S)
OUT=${OUT:-bench/out/$stamp}

TREE=/dev/shm/vajra-bench-compare      # W1's watched tree (and the ceiling's)
LOGDIR=/dev/shm/vajra-bench-compare-logs # the idle log source's directory
AUDIT_KEYS="vbench_exec vbench_file vbench_net"

[ "$(id -u)" = 0 ] || { echo "compare: run as root (eBPF, bpftrace)" >&2; exit 1; }
[ -x "$VAJRA" ] || { echo "compare: $VAJRA is missing: run make first" >&2; exit 1; }
case " $CONFIGS " in *" none "*) ;; *) echo "compare: CONFIGS must include none (the baseline)" >&2; exit 1 ;; esac
[ "$ROUNDS" -ge 1 ] || { echo "compare: ROUNDS must be >= 1" >&2; exit 1; }
[ "$REPEATS" -ge 1 ] || { echo "compare: REPEATS must be >= 1" >&2; exit 1; }
case $VAJRA_STORE in shipped | every-row) ;; *) echo "compare: VAJRA_STORE is shipped or every-row" >&2; exit 1 ;; esac

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
work=$(mktemp -d)
bpf_pid="" audit_on=0 vajra_pid="" MON_CG=""
cleanup() {
	set +e
	if [ -n "$bpf_pid" ] && kill -0 "$bpf_pid" 2>/dev/null; then kill -INT "$bpf_pid"; wait "$bpf_pid"; fi
	if [ -n "$vajra_pid" ] && kill -0 "$vajra_pid" 2>/dev/null; then exec 3>&-; wait "$vajra_pid"; fi
	[ "$audit_on" = 1 ] && audit_stop
	audit_fast_path_off
	[ -n "$MON_CG" ] && rmdir "$MON_CG" 2>/dev/null
	rm -rf "$work" "$TREE" "$LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. bench/lib.sh
log() { printf '%s %s\n' "$(date +%T)" "$*" | tee -a "$OUT/run.log" >&2; }

# --- what can run --------------------------------------------------------------------
declare -A skipped=() # configuration -> why it was not run
have_bpftrace=1
command -v bpftrace >/dev/null || have_bpftrace=0
run_configs=""
for c in $CONFIGS; do
	case $c in
	none | vajra | vajra-lean) run_configs+="$c " ;;
	bpftrace-print | bpftrace-count)
		if [ "$have_bpftrace" = 1 ]; then run_configs+="$c "; else skipped[$c]="bpftrace is not installed (make bench-deps)"; fi ;;
	auditd) ;; # its own phase, below
	*) echo "compare: unknown configuration $c" >&2; exit 1 ;;
	esac
done
audit_phase=0
if [ "$AUDITD" != 1 ]; then
	skipped[auditd]="AUDITD=1 was not given; auditd runs only on request, and last, because once audit is enabled every process started afterwards stays on the slow syscall path until reboot (unless a \`-a never,task\` rule says otherwise)"
elif ! command -v auditd >/dev/null || ! command -v auditctl >/dev/null; then
	skipped[auditd]="auditd is not installed (make bench-deps)"
elif pgrep -x auditd >/dev/null; then
	skipped[auditd]="an auditd is already running here: this harness runs its own and will not touch that one"
else
	audit_phase=1
fi

# --- workloads -----------------------------------------------------------------------
for w in file_storm exec_storm socket_storm getpid_loop build_loop; do
	gcc -O2 -Wall -o "$work/$w" "bench/workloads/$w.c"
done
SOURCES=$(ls "$PWD"/bench/workloads/*.c)
nsources=$(echo "$SOURCES" | wc -w)
rm -rf "$TREE" "$LOGDIR"
mkdir -p "$TREE/w1" "$LOGDIR"
for i in $(seq 0 $((CEILING_WORKERS - 1))); do mkdir -p "$TREE/c$i"; done
# Exec'd before and after each workload: they split bpftrace's output by workload.
for w in $WORKLOADS; do
	for r in $(seq "$REPEATS"); do ln -s /bin/true "$work/mark-start-$w.$r"; ln -s /bin/true "$work/mark-end-$w.$r"; done
done

declare -A unit=([W1]="open+write+close/s" [W2]="exec/s" [W3]="connections/s" [W4]="getpid/s" [W5]="builds/s")
declare -A title=(
	[W1]="W1: open+write+close in the watched tree (tmpfs), $FILE_COUNT per run"
	[W2]="W2: fork+exec of /bin/true, $EXEC_COUNT per run, $EXEC_WORKERS workers"
	[W3]="W3: TCP connect+accept+close on loopback, $CONN_COUNT per run"
	[W4]="W4: getpid(), not monitored, $GETPID_COUNT per run"
	[W5]="W5: gcc -O2 of the $nsources bench/workloads/*.c, $BUILD_RUNS builds per run"
)

# Runs workload $1 (marker $2, directory for W5 $3); sets $ops (per second), $seconds,
# $wpid (the workload's pid, W1/W5) and $done_count (the ground truth's unit count).
run_workload() {
	local out
	case $1 in
	W1) out=$("$work/file_storm" "$FILE_COUNT" "$TREE/w1"); done_count=$FILE_COUNT ;;
	W2) out=$("$work/exec_storm" "$EXEC_COUNT" "$EXEC_WORKERS" "$2"); done_count=$EXEC_COUNT ;;
	W3) out=$("$work/socket_storm" "$CONN_COUNT"); done_count=$CONN_COUNT ;;
	W4) out=$("$work/getpid_loop" "$GETPID_COUNT"); done_count=$GETPID_COUNT ;;
	W5) # shellcheck disable=SC2086 # the sources are words
		out=$("$work/build_loop" "$BUILD_RUNS" "$3" $SOURCES); done_count=$BUILD_RUNS ;;
	esac
	[[ $out =~ seconds=([0-9]+)\.([0-9]{3}) ]] || { echo "compare: $1 printed '$out'" >&2; exit 1; }
	seconds="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
	local ms=$((10#${BASH_REMATCH[1]} * 1000 + 10#${BASH_REMATCH[2]})) milli
	wpid=""
	[[ $out =~ pid=([0-9]+) ]] && wpid=${BASH_REMATCH[1]}
	# ops/s with three decimals, in integers (no awk here: see nap above)
	[ "$ms" -gt 0 ] || ms=1
	milli=$((done_count * 1000000 / ms))
	printf -v ops '%d.%03d' $((milli / 1000)) $((milli % 1000))
}

# The ground truth a configuration's rows are counted against, for workload $1 and unit
# count $2 (empty: not countable). What each one counts is in the report's notes.
expected_for() {
	case $config:$1 in
	vajra:W1) echo "$2" ;;                       # one UPDATED row per open-write-close
	vajra*:W2 | bpftrace-*:W2 | auditd:W2) echo "$2" ;; # one exec each
	vajra:W3) echo $((5 * $2 + 4)) ;;            # socket, connect, accept, two closes; the listener's 4
	bpftrace-*:W3) echo $((4 * $2)) ;;           # connect, accept, two closes
	bpftrace-*:W1) echo $((2 * $2)) ;;           # open and close
	auditd:W1) echo "$2" ;;                      # openat (a close has no path to match)
	auditd:W3) echo $((2 * $2)) ;;               # connect, accept (audit cannot tell a socket's close)
	*) echo "" ;;
	esac
}

# --- results: one line per run (round, configuration, workload, repeat) ---------------
# round config workload ops seconds captured expected lost cpu_ms events hwm_kib pipeline_cpu_ms run
results="$OUT/results.tsv"
printf 'round\tconfig\tworkload\tops_per_s\tseconds\tcaptured\texpected\tlost\tmonitor_cpu_ms\tmonitor_events\tmonitor_hwm_kib\tpipeline_cpu_ms\trun\n' >"$results"
# pipeline_cpu_ms: Vajra's own threads (vajra-*: collector, hasher, ...), without the JVM's
# compiler and GC threads; empty for the other monitors.
record() { # config workload ops seconds captured expected lost cpu_ms events hwm [pipeline_cpu_ms]
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "${11:-}" "$rep" >>"$results"
	log "  $1 $2.$rep: $3 ops/s, captured ${5:--}/${6:--}, lost ${7:--}, cpu ${8:--} ms (pipeline ${11:--}) for ${9:--} events, hwm ${10:--} KiB"
}

# Between a workload's start and the count of its events, the harness itself execs nothing
# (bpftrace-print and bpftrace-count see every exec on the machine): these helpers use
# bash builtins only (a $(...) forks, it does not exec).
CLK_TCK=$(getconf CLK_TCK)
nap() { read -rt "$1" <> <(:) || true; }
# CPU time (ms) used so far by process $1, all threads.
cpu_now() {
	local stat
	stat=$(<"/proc/$1/stat")
	# shellcheck disable=SC2086 # the fields after the ")" closing comm are words
	set -- ${stat##*) }
	echo $(((${12} + ${13}) * 1000 / CLK_TCK))
}
# Peak RSS (VmHWM, KiB) of process $1.
hwm_kib() {
	local k v _
	while read -r k v _; do [ "$k" = VmHWM: ] && echo "$v"; done <"/proc/$1/status"
	return 0
}
# Vajra's CPU per round is tens of ms on W2 and W5: clock ticks (10 ms) are too coarse for
# it. Its JVM runs in a cpuacct cgroup of its own (v1, where the machine has one), which
# counts every thread in ns, exited ones included; without one, the ticks.
if [ -d /sys/fs/cgroup/cpuacct ] && mkdir "/sys/fs/cgroup/cpuacct/vajra-bench.$$" 2>/dev/null; then
	MON_CG=/sys/fs/cgroup/cpuacct/vajra-bench.$$
fi
monitor_cgroup() { [ -z "$MON_CG" ] || echo "$1" >"$MON_CG/cgroup.procs"; }
# CPU time (us) used so far by Vajra's JVM, process $1.
vajra_cpu_us() {
	if [ -n "$MON_CG" ]; then
		echo $(($(<"$MON_CG/cpuacct.usage") / 1000))
	else
		echo $(($(cpu_now "$1") * 1000))
	fi
}
# CPU time (us) used so far by process $1's threads named vajra-* (schedstat's ns).
vajra_threads_us() {
	local t comm ns _ sum=0
	for t in /proc/"$1"/task/*; do
		comm=$(<"$t/comm") || continue
		[[ $comm == vajra-* ]] || continue
		read -r ns _ <"$t/schedstat" || continue
		sum=$((sum + ns))
	done
	echo $((sum / 1000))
}
# Waits until Vajra's JVM (process $2) used under 2 ms of CPU in 0.5 s, at most $1 s: its
# idle rate is ~4 ms/s, a compile or a collection shows above it. In ns where the cgroup
# is there; a clock tick (10 ms) per 0.25 s cannot tell idle from busy.
settle_jvm() {
	local prev now i
	[ -n "$MON_CG" ] || { settle_cpu "$2" "$1"; return; }
	prev=$(vajra_cpu_us "$2")
	for ((i = 0; i < $1 * 2; i++)); do
		nap 0.5
		now=$(vajra_cpu_us "$2")
		[ $((now - prev)) -lt 2000 ] && return 0
		prev=$now
	done
}
us_as_ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
# Waits until process $1's CPU time stops growing (its backlog is drained), at most $2 s.
settle_cpu() { settle "$2" cpu_now "$1"; }
# Waits until the CPU figure printed by command $2... stops growing for 0.25 s, at most $1 s.
settle() {
	local seconds=$1 prev=-1 now i
	shift
	for ((i = 0; i < seconds * 4; i++)); do
		now=$("$@")
		[ "$now" = "$prev" ] && return 0
		prev=$now
		nap 0.25
	done
}

# --- vajra ---------------------------------------------------------------------------
# The stores hold every row of a round-configuration (or of a ceiling run), twice over:
# no eviction. ~1 KiB of store per row; the heap twice the store, as in file-storm.sh.
w5_rows=$((BUILD_RUNS * nsources * 40))
wl_rows=$((FILE_COUNT > 6 * CONN_COUNT ? FILE_COUNT : 6 * CONN_COUNT))
[ $((3 * EXEC_COUNT + w5_rows)) -gt "$wl_rows" ] && wl_rows=$((3 * EXEC_COUNT + w5_rows))
sizing() { # rows -> "events_max store_mib java_opts"
	local max=$(($1 * 2 + 20000)) mib java
	mib=$(((max * 1024 + (1 << 20) - 1) >> 20))
	[ "$mib" -ge 64 ] || mib=64
	java=$(store_java_opts "$mib")
	[ -n "${VAJRA_JAVA_OPTS+set}" ] && java=$VAJRA_JAVA_OPTS
	echo "$max $mib $java"
}
# the attach warm-up's rows too (see attach_warmup): 1 per file op, 3 per exec, 6 per connection
warmup_rows=$((WARMUP == 1 ? FILE_COUNT + 3 * EXEC_COUNT + 6 * CONN_COUNT : 0))
read -r events_max store_mib java_opts < <(sizing $((wl_rows + warmup_rows / 2)))
if [ "$VAJRA_STORE" = shipped ]; then
	store_options=""
	java_opts=${VAJRA_JAVA_OPTS-$(sed -n 's/^JVM_DEFAULTS := //p' Makefile)}
else
	store_options="--events-max $events_max --store-bytes ${store_mib}M"
fi
read -r ceil_events_max ceil_store_mib ceil_java_opts < <(sizing $((CEILING_COUNT * CEILING_WORKERS + 20000)))
if [ "$VAJRA_LOGS" = 1 ]; then
	printf '{"file_paths": {"bench": ["%s/%%%%"]}, "vajra": {"log_files": [{"path": "%s/*.log", "category": "bench"}]}}\n' \
		"$TREE" "$LOGDIR" >"$work/vajra.json"
else
	printf '{"file_paths": {"bench": ["%s/%%%%"]}}\n' "$TREE" >"$work/vajra.json"
fi

# One number from Vajra: the value of SQL query $1 (NULL reads as 0). Called in $(...):
# the query's unique alias is counted in a file, not in a variable of a subshell.
echo 0 >"$work/qn"
vq() {
	local qn
	qn=$(($(cat "$work/qn") + 1))
	echo "$qn" >"$work/qn"
	ask "SELECT coalesce(($1), 0) AS q$qn;" "\"q$qn\"" >/dev/null
	answer "q$qn"
}
# Losses on the way from the kernel to the store. A store's evictions are its retention
# (the shipped store keeps 50,000 rows per table): the run's evicted rows are counted as
# captured through their eids (see measure_vajra), so with VAJRA_STORE=every-row any
# eviction shows as lost instead.
LOST_SQL="SELECT sum(value) FROM vajra_stats WHERE name LIKE 'lost%' OR name IN ('dropped_oversize', 'log_bytes_skipped', 'log_write_ranges_dropped', 'hash_queue_full')"
[ "$VAJRA_STORE" = every-row ] && LOST_SQL="$LOST_SQL OR name IN ('evicted_capacity', 'evicted_bytes')"
DECODED_SQL="SELECT sum(value) FROM vajra_stats WHERE name = 'records_decoded'"

vajra_attach() { # "store options" java_opts [extra options]
	local store=$1
	export VAJRA_JAVA_OPTS=$2
	shift 2
	# shellcheck disable=SC2086 # options are words
	start_vajra --config "$work/vajra.json" $store $VAJRA_OPTS "$@"
	monitor_cgroup "$vajra_pid"
	grep -q 'FIM: watching' "$work/vajra.err" ||
		{ echo "compare: Vajra did not report its FIM watch:" >&2; cat "$work/vajra.err" >&2; exit 1; }
	cp "$work/vajra.err" "$OUT/vajra-start.log"
}
# Process events only: no FIM, no log source, no sockets, no failed execs, so no syscall
# tracepoint is attached (only sched tracepoints through BTF).
vajra_attach_lean() {
	export VAJRA_JAVA_OPTS=$java_opts
	# shellcheck disable=SC2086 # options are words
	start_vajra --no-sockets --no-failed-execs $store_options $VAJRA_OPTS
	monitor_cgroup "$vajra_pid"
	cp "$work/vajra.err" "$OUT/vajra-lean-start.log"
}
vajra_detach() {
	stop_vajra
	vajra_pid=""
}

# The SQL that counts workload $1's rows (marker $2, W5 directory $3, pid $4, the socket
# store's last eid before the run $5: the attach warm-up's connections came before).
# The table a workload's rows go to.
count_table() {
	case $1 in
	W1) echo bpf_file_events ;;
	W2 | W5) echo bpf_process_events ;;
	W3) echo bpf_socket_events ;;
	esac
}
# workload marker dir pid eid0 (the table's last eid before the run): the run's rows that
# are the workload's, plus the run's rows the store evicted before the count (eids are
# contiguous per table and the store holds the newest; whose those were cannot be checked,
# on an otherwise idle machine they are the workload's).
vajra_count_sql() {
	local table filter
	table=$(count_table "$1")
	[ -n "$table" ] || return 0 # W4: no rows to count
	case $1 in
	W1) filter="pid = $4 AND action = 'UPDATED'" ;;
	W2) filter="syscall = 'execve' AND exit_code = '0' AND cmdline = '/bin/true $2'" ;;
	W3) filter="comm = 'socket_storm'" ;; # all of its rows: the evicted ones are counted whole
	W5) filter="syscall IN ('execve', 'execveat') AND exit_code = '0' AND cwd = '$3'" ;;
	esac
	echo "SELECT (SELECT count(*) FROM $table WHERE eid > $5 AND $filter) + max(0, coalesce((SELECT min(eid) FROM $table), 0) - $5 - 1)"
}

# Waits until Vajra's own threads (vajra-*: collector, hasher, ...) have used no CPU for
# 0.25 s, at most $1 s: the events are decoded and stored, and no SQL ran meanwhile (the
# shell copies new rows into SQLite before a statement: that is the querier's cost).
settle_pipeline() { settle "$1" vajra_threads_cpu "$vajra_pid"; }

measure_vajra() { # workload marker dir
	local cpu0 dec0 lost0 sql="" last now expected eid0 cpu1 pipe0 pipe1
	local table
	table=$(count_table "$1")
	# The previous run's SQL (rows copied into SQLite) and whatever it left to collect,
	# compile or hash are over before the window opens, and before the run's first eid is
	# taken: a row of the last run appended late is not counted as this one's.
	settle_jvm 30 "$vajra_pid"
	eid0=0
	[ -n "$table" ] && eid0=$(vq "SELECT max(eid) FROM $table")
	dec0=$(vq "$DECODED_SQL")
	lost0=$(vq "$LOST_SQL")
	settle_jvm 30 "$vajra_pid" # the queries' own copying
	cpu0=$(vajra_cpu_us "$vajra_pid")
	pipe0=$(vajra_threads_us "$vajra_pid")
	run_workload "$@"
	settle_pipeline 30
	cpu1=$(vajra_cpu_us "$vajra_pid")
	pipe1=$(vajra_threads_us "$vajra_pid")
	expected=$(expected_for "$1" "$done_count")
	captured=""
	[ "$config" = vajra ] || [ "$1" = W2 ] || [ "$1" = W5 ] && sql=$(vajra_count_sql "$1" "$2" "$3" "$wpid" "$eid0")
	if [ -z "$sql" ]; then
		:
	else
		# Drained when the count reaches the truth or stops growing (polls every 0.3 s; a
		# file row may wait for its hash).
		last=-1
		for _ in $(seq 100); do
			now=$(vq "$sql")
			{ [ -n "$expected" ] && [ "$now" -ge "$expected" ]; } || [ "$now" = "$last" ] && { last=$now; break; }
			last=$now
			sleep 0.3
		done
		captured=$last
	fi
	local dec1 lost1
	dec1=$(vq "$DECODED_SQL")
	lost1=$(vq "$LOST_SQL")
	record "$config" "$1" "$ops" "$seconds" "$captured" "$expected" $((lost1 - lost0)) "$(us_as_ms $((cpu1 - cpu0)))" \
		$((dec1 - dec0)) "$(hwm_kib "$vajra_pid")" "$(us_as_ms $((pipe1 - pipe0)))"
}

# --- bpftrace ------------------------------------------------------------------------
make_bt() { # print|count -> script path
	local f="$work/$1.bt"
	grep -v '^//' bench/compare.bt.in | if [ "$1" = print ]; then
		perl -0pe 's/\bEMIT\(/printf(/g'
	else
		perl -0pe 's/\bEMIT\([^;]*?\);/\@[probe] = count();/gs'
	fi | sed -e "s|@DIR@|$TREE/w1/|g" -e "s|@DIRLEN@|$((${#TREE} + 4))|g" >"$f"
	echo "$f"
}

bpf_attach() { # print|count
	bpf_mode=$1
	bpf_out="$work/bpftrace-$1.out"
	: >"$bpf_out"
	bpftrace "$(make_bt "$1")" >"$bpf_out" 2>"$work/bpftrace.err" &
	bpf_pid=$!
	for _ in $(seq 600); do
		grep -q '^Attaching' "$work/bpftrace.err" "$bpf_out" 2>/dev/null && break
		kill -0 "$bpf_pid" 2>/dev/null || { echo "compare: bpftrace failed:" >&2; cat "$work/bpftrace.err" >&2; exit 1; }
		sleep 0.1
	done
	sleep 1 # attached
	declare -gA bpf_cpu=() bpf_events=() bpf_hwm=() bpf_ops=() bpf_seconds=() bpf_done=() bpf_captured=() bpf_lost=()
}

# bpftrace-count: the map's values now (SIGUSR1 prints them), as "probe count" lines.
# Builtins only, see nap.
bpf_counts() {
	local -a lines
	local before i
	mapfile -t lines <"$bpf_out"
	before=${#lines[@]}
	kill -USR1 "$bpf_pid"
	for ((i = 0; i < 100; i++)); do
		nap 0.1
		mapfile -t lines <"$bpf_out"
		[ "${#lines[@]}" -gt "$before" ] && { nap 0.2; mapfile -t lines <"$bpf_out"; break; }
	done
	for ((i = before; i < ${#lines[@]}; i++)); do
		[[ ${lines[i]} =~ ^@\[tracepoint:[a-z_]+:([a-z0-9_]+)\]:\ ([0-9]+)$ ]] &&
			echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	done
	return 0
}
# The sum of the counts in $2 (probe count lines) for the probes matching regex $1.
sum_counts() { awk -v re="$1" '$1 ~ re { s += $2 } END { print s + 0 }' <<<"$2"; }

measure_bpftrace() { # workload marker dir
	local cpu0 c0="" c1 w=$1.$rep # the figures are kept per run, recorded at detach
	[ "$bpf_mode" = count ] && c0=$(bpf_counts)
	if [ "$bpf_mode" = print ]; then
		"$work/mark-start-$w"
		settle_cpu "$bpf_pid" 30
	fi
	cpu0=$(cpu_now "$bpf_pid")
	run_workload "$@"
	settle_cpu "$bpf_pid" 60
	bpf_cpu[$w]=$(($(cpu_now "$bpf_pid") - cpu0))
	bpf_ops[$w]=$ops bpf_seconds[$w]=$seconds bpf_done[$w]=$done_count
	if [ "$bpf_mode" = print ]; then
		"$work/mark-end-$w"
	else
		c1=$(bpf_counts)
		local delta
		delta=$(join <(sort <<<"$c0") <(sort <<<"$c1") -a 2 -e 0 -o 0,1.2,2.2 | awk '{ print $1, $3 - $2 }')
		bpf_events[$w]=$(sum_counts . "$delta")
		case $1 in
		W1) bpf_captured[$w]=$(sum_counts 'sys_enter_openat|sys_exit_close' "$delta") ;;
		W2 | W5) bpf_captured[$w]=$(sum_counts sched_process_exec "$delta") ;;
		W3) bpf_captured[$w]=$(sum_counts 'connect|accept|close' "$delta") ;;
		W4) bpf_captured[$w]=${bpf_events[$w]} ;;
		esac
		bpf_lost[$w]=0
	fi
	bpf_hwm[$w]=$(hwm_kib "$bpf_pid")
}

bpf_detach() {
	local w expected
	kill -INT "$bpf_pid"
	wait "$bpf_pid" || true
	bpf_pid=""
	if [ "$bpf_mode" = print ]; then
		# The lines between a workload's marks are the events bpftrace printed while it
		# ran (anyone's); the workload's own are matched by content.
		while read -r w all mine lost; do
			bpf_events[$w]=$all bpf_captured[$w]=$mine bpf_lost[$w]=$lost
		done < <(awk -v mark="file=$work/mark-" '
			$1 == "exec" && (i = index($0, mark)) {
				split(substr($0, i + length(mark)), a, "-")
				cur = a[1] == "start" ? a[2] : ""
				next
			}
			cur == "" { next }
			/^Lost [0-9]+ events/ { lost[cur] += $2; next }
			{
				all[cur]++
				w = substr(cur, 1, 2) # cur is workload.run
				if (w == "W1" && $0 ~ /^(open|close) .*comm=file_storm / && $0 !~ /kind=2/) mine[cur]++
				else if (w == "W2" && $0 ~ /^exec .*pcomm=exec_storm file=\/bin\/true$/) mine[cur]++
				else if (w == "W3" && $0 ~ /^(connect|accept|close) .*comm=socket_storm / && $0 !~ /kind=1/) mine[cur]++
				else if (w == "W5" && $1 == "exec") mine[cur]++
			}
			END { for (w in all) print w, all[w], mine[w] + 0, lost[w] + 0 }
		' "$bpf_out")
		rm -f "$bpf_out"
	fi
	local k
	for w in $WORKLOADS; do
		for rep in $(seq "$REPEATS"); do
			k=$w.$rep
			expected=$(expected_for "$w" "${bpf_done[$k]}")
			local captured=${bpf_captured[$k]:-0}
			[ "$w" = W4 ] && { expected=""; captured=""; }
			record "$config" "$w" "${bpf_ops[$k]}" "${bpf_seconds[$k]}" "$captured" "$expected" \
				"${bpf_lost[$k]:-0}" "${bpf_cpu[$k]}" "${bpf_events[$k]:-0}" "${bpf_hwm[$k]}"
		done
	done
}

# --- auditd (AUDITD=1 only) ----------------------------------------------------------
# Its own auditd (-n: ours to stop, by pid), its own configuration directory and log (raw
# format, never rotated), and rules for the same events as the bpftrace scripts. Nothing
# here runs unless AUDITD=1: audit_start refuses otherwise.
audit_dir="$work/audit"
audit_pid=""
audit_start() {
	[ "$AUDITD" = 1 ] || { echo "compare: audit_start without AUDITD=1" >&2; exit 1; }
	if [ ! -d "$audit_dir" ]; then
		mkdir -p "$audit_dir"
		chmod 700 "$audit_dir"
		cp /etc/audit/auditd.conf "$audit_dir/auditd.conf"
		local kv key
		for kv in "log_file=$audit_dir/audit.log" log_format=RAW log_group=root flush=INCREMENTAL_ASYNC \
			freq=50 max_log_file_action=IGNORE space_left_action=IGNORE admin_space_left_action=IGNORE \
			disk_full_action=IGNORE disk_error_action=SYSLOG; do
			key=${kv%%=*}
			sed -i "/^[[:space:]]*$key[[:space:]]*=/d" "$audit_dir/auditd.conf"
			echo "$key = ${kv#*=}" >>"$audit_dir/auditd.conf"
		done
		chmod 600 "$audit_dir/auditd.conf"
		cat >"$audit_dir/bench.rules" <<-EOF
			-D
			-b 8192
			-f 1
			-a always,exit -F arch=b64 -S execve -S execveat -k vbench_exec
			-a always,exit -F arch=b64 -S open -S openat -S creat -F dir=$TREE/w1 -k vbench_file
			-a always,exit -F arch=b64 -S connect -S accept -S accept4 -k vbench_net
		EOF
	fi
	audit_on=1
	auditd -n -c "$audit_dir" 2>>"$OUT/auditd.log" &
	audit_pid=$!
	for _ in $(seq 100); do [ -s "$audit_dir/audit.log" ] && break; sleep 0.1; done
	if ! kill -0 "$audit_pid" 2>/dev/null || [ ! -s "$audit_dir/audit.log" ]; then
		echo "compare: auditd did not start (see $OUT/auditd.log)" >&2
		audit_stop
		exit 1
	fi
	auditctl -R "$audit_dir/bench.rules" >>"$OUT/auditd.log" 2>&1
	mkdir -p "$(dirname "$AUDIT_MARK")" && boot_id >"$AUDIT_MARK"
	auditctl -e 1 >>"$OUT/auditd.log" 2>&1
	sleep 1
}
audit_stop() {
	auditctl -D >>"$OUT/auditd.log" 2>&1 || true
	auditctl -e 0 >>"$OUT/auditd.log" 2>&1 || true
	# bench.rules began with -D, which took the fast-path rule out with the rest: back
	# in, for the processes started from here (none-audited's rounds among them).
	if [ "$audit_fast_path" != 0 ]; then auditctl -a never,task >>"$OUT/auditd.log" 2>&1 || true; fi
	if [ -n "$audit_pid" ]; then
		kill -TERM "$audit_pid" 2>/dev/null || true
		wait "$audit_pid" 2>/dev/null || true
	fi
	audit_pid=""
}
audit_lost() { auditctl -s 2>/dev/null | awk '$1 == "lost" { print $2 }'; }
audit_enabled_now() { auditctl -s 2>/dev/null | awk '$1 == "enabled" && $2 != 0 { found = 1 } END { exit !found }'; }
boot_id() { cat /proc/sys/kernel/random/boot_id; }
# Written when this script first enables audit: the boot it did so in.
AUDIT_MARK=/var/lib/vajra-bench/audit-enabled-boot
kauditd_pid() { pgrep -x kauditd | head -1; }
kauditd=""
audit_cpu() { echo $(($(cpu_now "$audit_pid") + $(cpu_now "$kauditd"))); }
# Bytes auditd has written so far (builtins only, see nap).
audit_written() {
	local k v
	while read -r k v; do [ "$k" = wchar: ] && echo "$v"; done <"/proc/$audit_pid/io"
	return 0
}

measure_audit() { # workload marker dir
	local w=$1 off lost0 cpu0 prev size expected records i
	off=$(stat -c %s "$audit_dir/audit.log")
	lost0=$(audit_lost)
	[ -n "$kauditd" ] || kauditd=$(kauditd_pid)
	cpu0=$(audit_cpu)
	run_workload "$@"
	# Drained when auditd stops writing.
	prev=-1
	for ((i = 0; i < 240; i++)); do
		size=$(audit_written)
		[ "$size" = "$prev" ] && break
		prev=$size
		nap 0.5
	done
	records=$(tail -c +$((off + 1)) "$audit_dir/audit.log" | grep '^type=SYSCALL ' || true)
	expected=$(expected_for "$w" "$done_count")
	case $w in
	W1) captured=$(grep 'key="vbench_file"' <<<"$records" | grep -c 'comm="file_storm"' || true) ;;
	W2) captured=$(grep 'key="vbench_exec"' <<<"$records" | grep -c 'exe="[^"]*/true"' || true) ;;
	W3) captured=$(grep 'key="vbench_net"' <<<"$records" | grep -c 'comm="socket_storm"' || true) ;;
	W5) captured=$(grep -c 'key="vbench_exec"' <<<"$records" || true) ;;
	*) captured="" ;;
	esac
	record auditd "$w" "$ops" "$seconds" "$captured" "$expected" $(($(audit_lost) - lost0)) \
		$(($(audit_cpu) - cpu0)) "$(grep -c . <<<"$records" || true)" "$(hwm_kib "$audit_pid")"
}

# Right after a monitor attached: one run of each monitored workload at its measured size
# (not recorded), then 1 s, so that the measured runs meet a monitor past its start-up
# (Vajra's JIT above all).
attach_warmup() {
	[ "$WARMUP" = 1 ] || return 0
	# An agent runs for days: its start-up compiling is paid once and reported by itself
	# (start-up CPU), not inside the first workload's window. A tenth of a run was not
	# enough: C2 was still compiling the collector's and the hasher's paths in the first
	# measured W1 and W2 (bench/steady-cpu.sh shows how many runs that takes).
	"$work/file_storm" "$FILE_COUNT" "$TREE/w1" >/dev/null
	"$work/exec_storm" "$EXEC_COUNT" "$EXEC_WORKERS" "cmp-$$-warmup" >/dev/null
	"$work/socket_storm" "$CONN_COUNT" >/dev/null
	sleep 1
}

# --- one configuration of one round ----------------------------------------------------
run_config() {
	local w marker="cmp-$$-$round-$config" w5dir="$work/w5/$round-$config"
	log "round $round: $config"
	mkdir -p "$w5dir"
	case $config in
	none | none-audited)
		for rep in $(seq "$REPEATS"); do
			for w in $WORKLOADS; do
				run_workload "$w" "$marker" "$w5dir"
				record "$config" "$w" "$ops" "$seconds" "" "" "" "" "" ""
			done
		done ;;
	vajra | vajra-lean)
		if [ "$config" = vajra ]; then vajra_attach "$store_options" "$java_opts"; else vajra_attach_lean; fi
		attach_warmup
		# the whole JVM, the compiler threads too: what the warm-up made hot is compiled
		# before the first workload, not inside its window
		settle_jvm 30 "$vajra_pid"
		printf '%s\t%s\t%s\n' "$round" "$config" "$(cpu_now "$vajra_pid")" >>"$OUT/startup.tsv"
		for rep in $(seq "$REPEATS"); do for w in $WORKLOADS; do measure_vajra "$w" "$marker" "$w5dir"; done; done
		vajra_detach ;;
	bpftrace-print | bpftrace-count)
		bpf_attach "${config#bpftrace-}"
		attach_warmup
		for rep in $(seq "$REPEATS"); do for w in $WORKLOADS; do measure_bpftrace "$w" "$marker" "$w5dir"; done; done
		bpf_detach ;;
	auditd)
		audit_start
		attach_warmup
		for rep in $(seq "$REPEATS"); do for w in $WORKLOADS; do measure_audit "$w" "$marker" "$w5dir"; done; done
		audit_stop ;;
	esac
}

# --- pipeline ceiling: an open storm into Vajra's FIM --------------------------------
CEIL_COUNTERS="sent_file records_decoded file_records appended lost_ring_full lost_file_inflight lost_file_untracked hash_queue_full evicted"
ceiling_counter() { # name -> value now
	case $1 in
	appended) vq "SELECT value FROM vajra_stats WHERE family = 'file' AND source = 'store' AND name = 'appended'" ;;
	evicted) vq "SELECT sum(value) FROM vajra_stats WHERE family = 'file' AND name IN ('evicted_capacity', 'evicted_bytes', 'dropped_oversize')" ;;
	*) vq "SELECT sum(value) FROM vajra_stats WHERE name = '$1'" ;;
	esac
}
# CPU ms per thread name of process $1, "name ms" lines (threads of one name summed).
thread_cpu() {
	local t comm stat
	for t in /proc/"$1"/task/*; do
		comm=$(<"$t/comm") stat=$(<"$t/stat") || continue
		# shellcheck disable=SC2086 # the fields after the ")" closing comm are words
		set -- ${stat##*) }
		echo "${comm// /_} $(((${12} + ${13}) * 1000 / CLK_TCK))"
	done | awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }'
}

# CPU ms so far of process $1's threads named vajra-* (builtins only).
vajra_threads_cpu() {
	local pid=$1 t comm stat sum=0
	for t in /proc/"$pid"/task/*; do
		comm=$(<"$t/comm") || continue
		[[ $comm == vajra-* ]] || continue
		stat=$(<"$t/stat") || continue
		# shellcheck disable=SC2086 # the fields after the ")" closing comm are words
		set -- ${stat##*) }
		sum=$((sum + ${12} + ${13}))
	done
	echo $((sum * 1000 / CLK_TCK))
}

ceiling_run() { # ring size
	local ring=$1 n expected t0 t1 tlast last now pids=() i s=0
	declare -A before=() after=()
	vajra_attach "--events-max $ceil_events_max --store-bytes ${ceil_store_mib}M" "$ceil_java_opts" --ring-size "$ring"
	if [ "$WARMUP" = 1 ]; then "$work/file_storm" 20000 "$TREE/c0" >/dev/null; sleep 1; fi
	for n in $CEIL_COUNTERS; do before[$n]=$(ceiling_counter "$n"); done
	local cpu0 coll0
	cpu0=$(cpu_now "$vajra_pid")
	coll0=$(cpu_ms "$vajra_pid" vajra-collector)
	thread_cpu "$vajra_pid" >"$work/threads.0"
	expected=$((CEILING_COUNT * CEILING_WORKERS))
	t0=$EPOCHREALTIME
	for i in $(seq 0 $((CEILING_WORKERS - 1))); do
		"$work/file_storm" "$CEILING_COUNT" "$TREE/c$i" >"$work/ceiling.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$EPOCHREALTIME
	# Drained when Vajra's own threads (vajra-collector, vajra-hasher, ...) go idle: watched
	# in /proc every 0.1 s, not through SQL (the shell copies every new row into SQLite
	# before each statement, which would slow the drain it measures). Drained at the
	# first sample within 10 ms of their final CPU time.
	local -a ts=() cs=()
	for ((i = 0; i < 1200; i++)); do
		ts+=("$EPOCHREALTIME")
		cs+=("$(vajra_threads_cpu "$vajra_pid")")
		[ "$i" -ge 10 ] && [ $((cs[i] - cs[i - 10])) -le 10 ] && break
		nap 0.1
	done
	tlast=${ts[0]}
	for ((k = 0; k < ${#cs[@]}; k++)); do
		[ $((cs[-1] - cs[k])) -le 10 ] && { tlast=${ts[k]}; break; }
	done
	local cpu coll hwm busiest
	cpu=$(($(cpu_now "$vajra_pid") - cpu0))
	coll=$(($(cpu_ms "$vajra_pid" vajra-collector) - coll0))
	hwm=$(hwm_kib "$vajra_pid")
	thread_cpu "$vajra_pid" >"$work/threads.1"
	busiest=$(awk 'NR == FNR { a[$1] = $2; next } { print $2 - a[$1], $1 }' "$work/threads.0" "$work/threads.1" |
		sort -rn | head -5 | awk '{ printf "%s%s %d ms", (NR > 1 ? ", " : ""), $2, $1 }')
	# Rows neither stored nor counted lost yet (waiting for something other than CPU):
	# then the store's count, through SQL, until it reaches the truth or stays put for 2 s.
	now=$(($(ceiling_counter appended) - before[appended]))
	if [ $((now + $(ceiling_counter lost_ring_full) - before[lost_ring_full])) -lt "$expected" ]; then
		log "ceiling ring $ring: $now of $expected rows stored, the rest not counted lost, when Vajra's threads went idle; waiting on the store"
		last=$now
		for _ in $(seq 480); do
			sleep 0.25
			now=$(($(ceiling_counter appended) - before[appended]))
			[ "$now" != "$last" ] && { last=$now; tlast=$EPOCHREALTIME; s=0; continue; }
			s=$((s + 1))
			[ "$s" -ge 8 ] && break
		done
	fi
	for n in $CEIL_COUNTERS; do after[$n]=$(($(ceiling_counter "$n") - before[$n])); done
	vajra_detach
	awk -v ring="$ring" -v ops="$expected" -v t0="$t0" -v t1="$t1" -v tl="$tlast" -v cpu="$cpu" -v coll="$coll" \
		-v sent="${after[sent_file]}" -v dec="${after[records_decoded]}" -v rec="${after[file_records]}" \
		-v rows="${after[appended]}" -v ring_full="${after[lost_ring_full]}" -v inflight="${after[lost_file_inflight]}" \
		-v untracked="${after[lost_file_untracked]}" -v hashq="${after[hash_queue_full]}" -v evicted="${after[evicted]}" \
		-v hwm="$hwm" -v workers="$CEILING_WORKERS" -v busiest="$busiest" '
		function c(x,  s, o) { s = sprintf("%.0f", x); o = ""
			while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
			return s o }
		BEGIN {
		storm = t1 - t0; drain = tl - t0; if (drain < storm) drain = storm
		printf "| %s | %d × %s | %s | %s | %s | %s | %s (%.1f %%) | %s | %.2f s | ring full %s, in flight %s, untracked %s, hash queue full %s, evicted %s | %.0f %% (collector thread %.0f %%) | %s | %.0f MiB |\n",
			ring, workers, c(ops / workers), c(ops / storm), c(sent / storm), c(dec), c(dec / drain), c(rows), 100 * rows / ops,
			c(rows / drain), drain, c(ring_full), c(inflight), c(untracked), c(hashq), c(evicted),
			100 * cpu / 1000 / drain, 100 * coll / 1000 / drain, busiest, hwm / 1024 }' \
		>>"$OUT/ceiling.md"
	log "ceiling ring $ring: $(tail -1 "$OUT/ceiling.md")"
}

# --- the run -------------------------------------------------------------------------
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
t_start=$(date +%s)
foreign_bpf=$(bpftool prog show 2>/dev/null | grep -c '^[0-9]' || true)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# Once audit has been enabled, every process started afterwards takes the slow syscall path,
# nothing attached included, until a reboot, unless a `never,task` rule exempts it: with
# audit off and no rules, this run adds one for its duration (bench/lib.sh). The kernel
# does not tell whether audit ever was enabled (kauditd runs from boot): audit on now, or
# this script's own mark for this boot, says so.
audit_fast_path_on
audit_before="no (audit is off, and no run of this script enabled it since the machine booted)"
if audit_enabled_now; then
	audit_before="yes (audit is enabled: every configuration, \`none\` included, ran on audit's slow syscall path)"
elif [ "$(cat "$AUDIT_MARK" 2>/dev/null)" = "$(boot_id)" ] && [ "$audit_fast_path" != 0 ]; then
	audit_before="yes, by an earlier run of this script since the machine booted; audit was off, and this run's processes took the fast syscall path all the same: the task rule \`-a never,task\` was in place ($([ "$audit_fast_path" = 1 ] && echo "the run added it for its duration" || echo "set before the run")), so the kernel gave them no audit context"
elif [ "$(cat "$AUDIT_MARK" 2>/dev/null)" = "$(boot_id)" ]; then
	audit_before="yes (an earlier run of this script enabled audit since the machine booted, and audit rules are set, so this run did not add its \`-a never,task\` rule: every configuration, \`none\` included, ran on audit's slow syscall path)"
fi
log "compare: $command_line -> $OUT"
log "configurations: ${run_configs}$([ "$audit_phase" = 1 ] && echo "+ auditd (last)"); workloads: $WORKLOADS; $ROUNDS rounds"

# Files of the trees exist before any monitor starts: a monitor sees updates, not creations.
"$work/file_storm" 64 "$TREE/w1" >/dev/null
for i in $(seq 0 $((CEILING_WORKERS - 1))); do "$work/file_storm" 64 "$TREE/c$i" >/dev/null; done
if [ "$WARMUP" = 1 ]; then
	log "warm-up: each workload once, nothing attached (not recorded)"
	mkdir -p "$work/w5/warmup"
	for w in $WORKLOADS; do run_workload "$w" "cmp-$$-warmup" "$work/w5/warmup"; done
fi

for round in $(seq "$ROUNDS"); do
	for config in $run_configs; do run_config; done
done
# The closing baseline: the last round's configurations have a baseline after them too.
round=$((ROUNDS + 1)) config=none
run_config

ceiling_rows_md=""
drain_status=""
if [ "$CEILING" = 1 ]; then
	: >"$OUT/ceiling.md"
	for ring in $CEILING_RINGS; do ceiling_run "$ring"; done
	# The consumer's own ceiling, the producers out of its way (bench/drain-ceiling.sh), with
	# the launcher's JVM options and the shipped store sizes, as a deployment runs.
	log "drain ceiling: COUNT=$DRAIN_COUNT WORKERS=$CEILING_WORKERS ROUNDS=$DRAIN_ROUNDS RING=$DRAIN_RING"
	[ -n "$user_java_opts" ] && export VAJRA_JAVA_OPTS="$user_java_opts" || unset VAJRA_JAVA_OPTS
	if COUNT=$DRAIN_COUNT WORKERS=$CEILING_WORKERS ROUNDS=$DRAIN_ROUNDS RING=$DRAIN_RING STORE=default \
		VAJRA=$VAJRA bench/drain-ceiling.sh >"$OUT/drain-ceiling.md" 2>"$OUT/drain-ceiling.log"; then
		drain_status=ok
	else
		drain_status="failed (exit $?)"
		log "drain-ceiling $drain_status; see $OUT/drain-ceiling.log"
	fi
fi

steady_status=""
steady_workloads=""
for w in W1 W2 W3; do case " $WORKLOADS " in *" $w "*) steady_workloads+="${steady_workloads:+ }$w" ;; esac; done
[ -n "$steady_workloads" ] || STEADY=0 # steady-cpu.sh knows W1-W3 only
if [ "$STEADY" = 1 ]; then
	# One warmed shell as deployed (launcher JVM options, shipped store), the workloads'
	# counts: what the fresh-JVM rounds above cost once the JIT is done.
	log "steady-cpu: RUNS=$STEADY_RUNS"
	[ -n "$user_java_opts" ] && export VAJRA_JAVA_OPTS="$user_java_opts" || unset VAJRA_JAVA_OPTS
	if RUNS=$STEADY_RUNS WORKLOADS=$steady_workloads FILE_COUNT=$FILE_COUNT EXEC_COUNT=$EXEC_COUNT CONN_COUNT=$CONN_COUNT VAJRA=$VAJRA \
		bench/steady-cpu.sh >"$OUT/steady.md" 2>"$OUT/steady.log"; then
		steady_status=ok
	else
		steady_status="failed (exit $?)"
		log "steady-cpu $steady_status; see $OUT/steady.log"
	fi
fi

osquery_status=""
if [ "$OSQUERY" = 1 ]; then
	log "osquery-bench: ROWS=$OSQ_ROWS LAUNCHES=$OSQ_LAUNCHES GENERATES=$OSQ_GENERATES"
	# The extension with the launcher's own JVM options, unless the caller gave some.
	[ -n "$user_java_opts" ] && export VAJRA_JAVA_OPTS="$user_java_opts" || unset VAJRA_JAVA_OPTS
	if ROWS=$OSQ_ROWS LAUNCHES=$OSQ_LAUNCHES GENERATES=$OSQ_GENERATES bench/osquery-bench.sh \
		>"$OUT/osquery.md" 2>"$OUT/osquery.log"; then
		osquery_status=ok
	else
		osquery_status="failed (exit $?)"
		log "osquery-bench $osquery_status; see $OUT/osquery.log"
	fi
fi

# auditd last: once audit has been enabled, every process started afterwards keeps the
# slow syscall path until reboot, unless the `never,task` rule is in (audit_stop puts it
# back when this run owns it). Its baseline is `none-audited`: nothing attached, audit off
# again, in turn with its rounds.
if [ "$audit_phase" = 1 ]; then
	log "auditd: enabling audit once; from here on processes started outside this run stay on the slow syscall path until reboot"
	audit_start
	audit_stop
	for r in $(seq "$ROUNDS"); do
		round="a$r"
		for config in none-audited auditd; do run_config; done
	done
	round="a$((ROUNDS + 1))" config=none-audited
	run_config
	audit_on=0
fi
t_end=$(date +%s)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ----------------------------------------------------------------------
# Values of column $3 for configuration $1 and workload $2 (non-empty), one a line.
# Columns: 1 round, 2 config, 3 workload, 4 ops/s, 5 seconds, 6 captured, 7 expected,
# 8 lost, 9 monitor CPU ms, 10 monitor events, 11 monitor VmHWM KiB.
vals() { awk -F'\t' -v c="$1" -v w="$2" -v k="$3" 'NR > 1 && $2 == c && $3 == w && $k != "" { print $k }' "$results"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else if (NR) print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
sum() { awk '{ s += $1; n++ } END { if (n) printf "%.0f\n", s }'; }
# Per-round ratios of configuration $1 to baseline $2, workload $3. A turn's figure is the
# median of its REPEATS runs. A round's baseline is the geometric mean of the baseline's
# turns that bracket it, its own round's (which opens it) and the next one's (a closing
# baseline round follows the last): the machine's speed drifts by tens of percent over
# minutes, and a configuration late in a round is then compared with baselines on both
# sides of it rather than one a minute before it.
ratios_by_round() {
	awk -F'\t' -v c="$1" -v b="$2" -v w="$3" '
		function next_round(r) { return r ~ /^a/ ? "a" (substr(r, 2) + 1) : r + 1 }
		function median_of(list,    x, n, i, j, t) {
			n = split(list, x, " ")
			for (i = 2; i <= n; i++) { t = x[i] + 0; for (j = i - 1; j >= 1 && x[j] + 0 > t; j--) x[j + 1] = x[j]; x[j + 1] = t }
			return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
		}
		NR > 1 && $3 == w { if ($2 == b) bruns[$1] = bruns[$1] " " $4; if ($2 == c) vruns[$1] = vruns[$1] " " $4 }
		END {
			for (r in bruns) base[r] = median_of(bruns[r])
			for (r in vruns) v[r] = median_of(vruns[r])
			if (c == b) { for (r in v) print r "\t" 1; exit } # the baseline, against itself
			for (r in v) {
				m = base[r]; n = base[next_round(r)]
				if (m > 0 && n > 0) m = sqrt(m * n)
				if (m > 0) print r "\t" v[r] / m
			}
		}' "$results"
}
ratios() { ratios_by_round "$@" | cut -f2; }
# Per round, configuration $1's ratio minus configuration $2's, workload $3 (rounds that
# have both): how far apart two monitors were when the machine was in the same state.
ratio_differences() {
	join -t $'\t' <(ratios_by_round "$1" "$(base_of "$1")" "$3" | sort) <(ratios_by_round "$2" "$(base_of "$2")" "$3" | sort) |
		awk -F'\t' '{ print $2 - $3 }'
}
# How far a median of these values (one a line) could move: the 5th and 95th percentiles of
# the median of 2,000 resamples of them (bootstrap, a fixed seed: the report repeats). With
# five to nine rounds it is coarse, but it says whether a run settles a target.
median_interval() {
	awk 'BEGIN { srand(8) } { x[++n] = $1 }
		END {
			if (n == 0) exit
			for (b = 0; b < 2000; b++) {
				for (i = 1; i <= n; i++) {
					t = x[int(rand() * n) + 1]
					for (j = i - 1; j >= 1 && y[j] > t; j--) y[j + 1] = y[j]
					y[j + 1] = t
				}
				print n % 2 ? y[(n + 1) / 2] : (y[n / 2] + y[n / 2 + 1]) / 2
			}
		}' | sort -g | awk '{ a[NR] = $1 } END { if (NR) printf "%.3f %.3f\n", a[int(NR * 0.05) + 1], a[int(NR * 0.95)] }'
}
commas() { sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'; }
# $1 with $2 decimals (default: 2 below 100, else none) and thousands separators.
num() { [ -n "$1" ] && awk -v x="$1" -v d="${2:-}" 'BEGIN { if (d == "") d = (x < 100 && x > -100) ? 2 : 0; printf "%.*f\n", d, x }' | commas; }
base_of() { case $1 in auditd | none-audited) echo none-audited ;; *) echo none ;; esac; }
median_ratio() { ratios "$1" "$(base_of "$1")" "$2" | median; }
# "lowest-highest" of the per-round ratios of configuration $1, workload $2: the rounds' spread.
ratio_range() { ratios "$1" "$(base_of "$1")" "$2" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.3f-%.3f\n", lo, hi }'; }

declare -A cfg_desc=(
	[none]="nothing attached"
	[vajra]="\`build/vajra shell\`: every table on, FIM on W1's tree$([ "$VAJRA_LOGS" = 1 ] && echo ", an idle log source")${VAJRA_OPTS:+, $VAJRA_OPTS}; started afresh each round"
	[vajra-lean]="\`build/vajra shell --no-sockets --no-failed-execs\`, no FIM, no log source: process events only, no syscall tracepoint attached; started afresh each round"
	[bpftrace-print]="bpftrace, one line per event printed to a file (\`bench/compare.bt.in\`)"
	[bpftrace-count]="bpftrace, the same probes and filters, \`@[probe] = count()\` only"
	[auditd]="auditd with rules for the same events (raw log), last; baseline: none after audit was enabled"
	[none-audited]="nothing attached, audit off again, after audit had been enabled (auditd's baseline)$([ "$audit_fast_path" != 0 ] && echo "; the \`-a never,task\` rule back in, so on the fast syscall path")"
)
report_configs="$run_configs"
[ "$audit_phase" = 1 ] && report_configs+="none-audited auditd"
chart_configs=""
for c in $report_configs; do case $c in none | none-audited) ;; *) chart_configs+="$c " ;; esac; done

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
bpftrace_version=$([ "$have_bpftrace" = 1 ] && bpftrace --version 2>/dev/null || echo "not installed")
java_version=$("${JAVA_HOME:-/usr}/bin/java" -version 2>&1 | head -1 || true)
anchors=../shared/docs/anchors.md

# The rest of a targets row for the values on stdin (one a line) against "at least $1":
# their median, its interval, "met" or "missed" by the median, and "settled" when the whole
# interval agrees.
verdict() { # threshold
	local values med lo hi
	values=$(cat)
	[ -n "$values" ] || { echo "| — | — | not measured |"; return; }
	med=$(median <<<"$values")
	read -r lo hi < <(median_interval <<<"$values")
	awk -v m="$med" -v lo="$lo" -v hi="$hi" -v t="$1" -v n="$(grep -c . <<<"$values")" 'BEGIN {
		met = m >= t; all = lo >= t; none = hi < t
		printf "| %.3f | %.3f to %.3f | %s |\n", m, lo, hi, (met ? "met" : "missed") \
			(n < 5 ? ": too few rounds to settle it" : (met && all) || (!met && none) ? ", settled" : ": not settled by this run")
	}'
}
# A figure from another script's Markdown table: the cell in column $3 of the first row,
# after the first line that starts with $4 (if given), whose first cell starts with $2, in file $1.
table_cell() {
	[ -f "$1" ] && awk -F' *\\| *' -v key="$2" -v col="$3" -v after="${4:-}" '
		after != "" && !seen { seen = index($0, after) == 1; next }
		index($2, key) == 1 { print $(col + 1); exit }' "$1"
}

# Issue 8's targets, each with what this run measured and whether the run settles it.
targets_section() {
	local w t c
	case " $chart_configs " in *" vajra "*) ;; *) return 0 ;; esac
	echo
	echo "## Targets (issue 8) in this run"
	echo
	echo "Ratios: the median of the per-round ratios, and the 5th to 95th percentile of that median"
	echo "over 2,000 bootstrap resamples of the rounds. \"Settled\" when the whole interval is on the"
	echo "median's side of the target (and there were at least 5 rounds); otherwise the rounds disagree"
	echo "too much for this run to say. The differences to \`bpftrace-count\` are taken round by round, so"
	echo "that both met the machine in the same state. Settled speaks for this run's rounds only: a slow"
	echo "phase of the machine that lasts a whole run moves them all (docs/design.md, \"How far one"
	echo "run's medians move\")."
	echo
	echo "| target | median | interval | verdict |"
	echo "|---|---:|---:|---|"
	for w in W1 W2 W3; do
		case $w in W1) t=0.75 ;; W2) t=0.97 ;; W3) t=0.90 ;; esac
		case " $WORKLOADS " in *" $w "*) ;; *) continue ;; esac
		printf '| %s `vajra` >= %s ' "$w" "$t"
		ratios vajra none "$w" | verdict "$t"
		case " $chart_configs " in *" bpftrace-count "*) ;; *) continue ;; esac
		printf '| %s `vajra` minus `bpftrace-count`, same round, >= -0.03 ' "$w"
		ratio_differences vajra bpftrace-count "$w" | verdict -0.03
	done
	case " $WORKLOADS " in *" W4 "*)
		case " $chart_configs " in *" bpftrace-count "*)
			printf '| W4 `vajra` minus `bpftrace-count`, same round, >= 0 '
			ratio_differences vajra bpftrace-count W4 | verdict 0 ;;
		esac
		case " $chart_configs " in *" vajra-lean "*)
			printf '| W4 `vajra-lean` >= 0.98 '
			ratios vajra-lean none W4 | verdict 0.98 ;;
		esac ;;
	esac
	echo
	local lost steady gen launch rss ceil
	lost=0
	for w in $WORKLOADS; do lost=$((lost + $(vals vajra "$w" 8 | sum) + 0)); done
	echo "| target | this run |"
	echo "|---|---|"
	echo "| 0 events lost, every workload, default ring | $lost lost by \`vajra\` over all its runs |"
	if [ -f "$OUT/steady.md" ]; then
		steady=""
		for w in W1 W2 W3; do
			c=$(table_cell "$OUT/steady.md" "$w" 3 Steady)
			[ -n "$c" ] && steady+="${steady:+, }$w $c ms (whole JVM $(table_cell "$OUT/steady.md" "$w" 2 Steady) ms)"
		done
		echo "| Vajra's threads <= 1 ms per 1,000 events (once warmed, below) | ${steady:-—} |"
	fi
	if [ -f "$OUT/drain-ceiling.md" ]; then
		ceil=$(awk -F' *\\| *' '$2 ~ /^[0-9]+$/ { print $7 }' "$OUT/drain-ceiling.md" | tr -d , | sort -g |
			awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.2f-%.2f M records/s over %d rounds", lo / 1e6, hi / 1e6, NR }')
		echo "| pipeline ceiling >= 1,000,000 events/s into the store (below) | ${ceil:-—} |"
	fi
	if [ -f "$OUT/osquery.md" ]; then
		gen=$(table_cell "$OUT/osquery.md" "generate, all columns, read without" 2)
		launch=$(table_cell "$OUT/osquery.md" "launch to registered, median" 2)
		rss=$(table_cell "$OUT/osquery.md" "extension RSS, store full" 2)
		echo "| \`generate\` >= 500,000 rows/s (below) | ${gen:-—} |"
		echo "| launch to registered < 1.5 s | ${launch:-—} |"
		echo "| extension RSS, full default store, <= 256 MiB | ${rss:-—} |"
	fi
}

report="$OUT/report.md"
{
	echo "# Performance: Vajra next to bpftrace and auditd"
	echo
	echo "Measured by \`bench/compare.sh\` (\`make bench\`) on $started; the run took $(( (t_end - t_start + 30) / 60 )) min."
	echo "Each workload does a fixed amount of work and times itself; the configurations take turns"
	echo "in every round ($(echo $run_configs | sed 's/ / → /g')), so slow drifts of the machine hit them all alike."
	echo "Ratio = the workload's speed with the monitor attached / with nothing attached, the median of"
	echo "the per-round ratios: 1.00 costs nothing, 0.50 halves the work done per second. In its turn"
	echo "each configuration runs the workloads $REPEATS time$([ "$REPEATS" -gt 1 ] && echo s) over (W1 W2 ..., W1 W2 ...), and the turn's speed is"
	echo "the median of a workload's runs: this VM's speed flips between levels ~40 % apart from one"
	echo "run to the next, a few seconds apart, whatever is attached. A round's"
	echo "nothing-attached speed is the geometric mean of the runs that bracket it: its own round's,"
	echo "which opens it, and the next round's (one more \`none\` round closes the run), because this"
	echo "machine's speed drifts over minutes and the last configuration of a round runs a minute"
	echo "after the first."
	echo
	echo "## Machine and settings"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| command | \`$command_line\` |"
	echo "| kernel | $(uname -r) ($(uname -m)), $(. /etc/os-release && echo "$PRETTY_NAME") |"
	echo "| CPUs | $(nproc) × $cpu_model |"
	echo "| memory | $mem_gib GiB |"
	echo "| date | $started |"
	echo "| Vajra | commit $commit; workloads: $([ "$VAJRA_STORE" = shipped ] && echo "the shipped store (\`--events-max 50000 --store-bytes 64M\`)" || echo "\`$store_options\`"), JVM \`$java_opts\`$([ "$CEILING" = 1 ] && echo "; ceiling: \`--events-max $ceil_events_max --store-bytes ${ceil_store_mib}M\`, JVM \`$ceil_java_opts\`") |"
	echo "| tools | $bpftrace_version; $java_version; $(gcc --version | head -1) |"
	echo "| rounds | ROUNDS=$ROUNDS, REPEATS=$REPEATS (each configuration once per round, the workloads REPEATS times over in its turn, in the order above, then a closing round of \`none\`$([ "$audit_phase" = 1 ] && echo "; auditd's rounds likewise, with \`none-audited\`"))$([ "$WARMUP" = 1 ] && echo "; not counted: one run of each workload before the first round, and after each attach a warm-up (one run each of W1, W2 and W3 at the counts below) and 1 s, then until Vajra's JVM is idle, its compiler threads included; and before each of Vajra's measured runs, until its JVM is idle again") |"
	echo "| counts | FILE_COUNT=$FILE_COUNT, EXEC_COUNT=$EXEC_COUNT (EXEC_WORKERS=$EXEC_WORKERS), CONN_COUNT=$CONN_COUNT, GETPID_COUNT=$GETPID_COUNT, BUILD_RUNS=$BUILD_RUNS |"
	echo "| ceiling | $([ "$CEILING" = 1 ] && echo "CEILING_COUNT=$CEILING_COUNT × CEILING_WORKERS=$CEILING_WORKERS, rings $CEILING_RINGS" || echo "not run (CEILING=0)") |"
	echo "| osquery | $([ "$OSQUERY" = 1 ] && echo "OSQ_ROWS=$OSQ_ROWS, OSQ_LAUNCHES=$OSQ_LAUNCHES, OSQ_GENERATES=$OSQ_GENERATES" || echo "not run (OSQUERY=0)") |"
	echo "| noise | BPF programs already loaded at the start (someone else's): $foreign_bpf; load average $load_start at the start, $load_end at the end |"
	echo "| audit enabled before this run | $audit_before |"
	echo
	echo "## Configurations"
	echo
	echo "| configuration | what | in this run |"
	echo "|---|---|---|"
	for c in none vajra vajra-lean bpftrace-print bpftrace-count auditd; do
		case " $report_configs " in
		*" $c "*) echo "| \`$c\` | ${cfg_desc[$c]} | yes |" ;;
		*) echo "| \`$c\` | ${cfg_desc[$c]} | **not run**: ${skipped[$c]:-not in CONFIGS} |" ;;
		esac
	done
	[ "$audit_phase" = 1 ] && echo "| \`none-audited\` | ${cfg_desc[none-audited]} | yes |"
	if [ "${#skipped[@]}" -gt 0 ] || [ "$(echo $CONFIGS)" != "none vajra vajra-lean bpftrace-print bpftrace-count" ]; then
		echo
		echo "**Not run in this run:** $(for c in none vajra vajra-lean bpftrace-print bpftrace-count auditd; do
			case " $report_configs " in *" $c "*) ;; *) printf '`%s` — %s; ' "$c" "${skipped[$c]:-not in CONFIGS}" ;; esac
		done | sed 's/; $//'). Reference figures for them, measured on this kind of VM, are in"
		echo "\`shared/docs/anchors.md\` (\"Measured on this VM\"), quoted at the end of this page; they are"
		echo "not from this run."
	fi
	if [ -s "$OUT/startup.tsv" ]; then
		echo
		for c in vajra vajra-lean; do
			startup_ms=$(awk -F'\t' -v c="$c" '$2 == c { print $3 }' "$OUT/startup.tsv" | median)
			if [ -n "$startup_ms" ]; then
				echo "Start-up CPU of \`$c\` (JVM start, probe loading, and the JIT compiling through the warm-up's events), median of the rounds: $(num "$startup_ms" 0) ms."
			fi
		done
	fi
	echo
	echo "## Ratio to nothing attached"
	echo
	[ -n "$chart_configs" ] && command -v gnuplot >/dev/null && echo "![ratio to none per workload and configuration](performance.png)" && echo
	printf '| workload | none ops/s |'
	for c in $chart_configs; do printf ' %s |' "$c"; done
	echo
	printf '|---|---:|'
	for c in $chart_configs; do printf -- '---:|'; done
	echo
	for w in $WORKLOADS; do
		printf '| %s | %s |' "${title[$w]%%,*}" "$(num "$(vals none "$w" 4 | median)")"
		for c in $chart_configs; do printf ' %s <sub>%s</sub> |' "$(num "$(median_ratio "$c" "$w")" 3)" "$(ratio_range "$c" "$w")"; done
		echo
	done
	echo
	echo "Each cell: the median of the per-round ratios, then the lowest and highest round's. Where the"
	echo "spread is wide the median is only as good as the rounds: W2 and W3 run two processes each,"
	echo "which the scheduler places differently from run to run, and their speed moves with it, nothing"
	echo "attached included."
	targets_section
	echo
	echo "## Per workload"
	for w in $WORKLOADS; do
		echo
		echo "### ${title[$w]}"
		echo
		echo "| configuration | ${unit[$w]} (median) | ratio to none | events captured / expected | lost | monitor CPU per 1,000 events | monitor peak RSS |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		for c in $report_configs; do
			ops_m=$(vals "$c" "$w" 4 | median)
			[ -n "$ops_m" ] || continue
			ratio=$(median_ratio "$c" "$w")
			cap=$(vals "$c" "$w" 6 | sum)
			exp=$(vals "$c" "$w" 7 | sum)
			if [ -z "$cap" ]; then captured="—"
			elif [ -n "$exp" ] && [ "$exp" -gt 0 ]; then
				captured="$(num "$cap" 0) / $(num "$exp" 0) ($(awk -v a="$cap" -v b="$exp" 'BEGIN { printf "%.2f", 100 * a / b }') %)"
			else captured="$(num "$cap" 0) (no ground truth)"; fi
			lost=$(vals "$c" "$w" 8 | sum)
			events=$(vals "$c" "$w" 10 | sum)
			if [ -z "$events" ]; then cpu="—"
			elif [ "$events" -ge $((1000 * ROUNDS * REPEATS)) ]; then
				cpu="$(awk -F'\t' -v c="$c" -v w="$w" 'NR > 1 && $2 == c && $3 == w && $10 > 0 { print $9 * 1000 / $10 }' "$results" | median | xargs -I{} awk 'BEGIN { printf "%.1f", {} }') ms"
				pipe=$(awk -F'\t' -v c="$c" -v w="$w" 'NR > 1 && $2 == c && $3 == w && $10 > 0 && $12 != "" { print $12 * 1000 / $10 }' "$results" | median)
				[ -n "$pipe" ] && cpu+=" (Vajra's threads $(awk -v x="$pipe" 'BEGIN { printf "%.1f", x }') ms)"
				cpu+=" ($(num "$events" 0) events)"
			else
				cpu="$(vals "$c" "$w" 9 | sum) ms"
				pipe=$(vals "$c" "$w" 12 | sum)
				[ -n "$pipe" ] && cpu+=" (Vajra's threads $pipe ms)"
				cpu+=" in all for $(num "$events" 0) events"
			fi
			hwm=$(vals "$c" "$w" 11 | sort -g | tail -1)
			printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$c" "$(num "$ops_m")" "$(num "$ratio" 3)" "$captured" \
				"$([ -n "$lost" ] && num "$lost" 0 || echo —)" "$cpu" "$([ -n "$hwm" ] && echo "$((hwm / 1024)) MiB" || echo "—")"
		done
	done
	echo
	echo "How to read the columns:"
	echo
	echo "- **events captured / expected**, summed over the runs: \`vajra\` W1 counts the workload pid's"
	echo "  \`UPDATED\` rows in \`bpf_file_events\` (one per open-write-close), W2 the \`execve\` rows whose"
	echo "  cmdline carries the run's marker, W3 every socket_storm row (socket, connect, accept and two"
	echo "  closes per connection, and the listener's socket, bind, listen and close), W5 the successful execs run in the build's"
	echo "  directory (gcc, cc1, as, collect2, ld: 5 per compile here, but no independent ground truth)."
	echo "  Failed execs (gcc's PATH search) are rows too, not counted here. \`vajra-lean\` is counted as \`vajra\`"
	echo "  on W2 and W5 (process events); it has no table for W1's or W3's events. \`bpftrace-print\` counts its printed lines"
	echo "  that belong to the workload (W1: open + close, 2 per op; W2: the exec of /bin/true by"
	echo "  exec_storm; W3: connect, accept and both closes, 4 per connection; W5: every exec printed"
	echo "  meanwhile). \`bpftrace-count\` reads its map before and after (SIGUSR1): the same probes, but"
	echo "  counted for the whole machine, so another process's events in that window count too (the"
	echo "  workload's own exec included: +1)."
	echo "  \`auditd\` counts SYSCALL records by rule key (W1: openat only, a close has no path to match;"
	echo "  W3: connect and accept only, audit cannot tell a socket's close; W5: every exec record meanwhile)."
	echo "- **lost**: \`vajra\`: the growth of every loss counter in \`vajra_stats\` (ring full, in flight,"
	echo "  untracked writes, hash queue full, log bytes skipped; store evictions only with \`VAJRA_STORE=every-row\`); \`bpftrace-print\`:"
	echo "  bpftrace's \"Lost N events\" (perf buffer full); a count map loses nothing; \`auditd\`: the"
	echo "  growth of the kernel's \`lost\` counter (\`auditctl -s\`)."
	echo "- **monitor CPU**: user + system time of the monitoring processes (Vajra's JVM, all threads,"
	echo "  in ns from a cpuacct cgroup of its own$([ -z "$MON_CG" ] && echo " (none here: clock ticks)"), its own threads from their schedstat; the"
	echo "  bpftrace process; auditd plus the kauditd kernel thread, in clock ticks) from the workload's start until its"
	echo "  events were drained (Vajra: until its own threads went idle, before any SQL: a query's copy"
	echo "  of rows into SQLite is the querier's cost), per 1,000 events it handled (Vajra: records"
	echo "  decoded; bpftrace: lines printed or map counts; auditd: SYSCALL records), median of the"
	echo "  runs. The BPF programs and audit's kernel work run in the traced process and are paid in its"
	echo "  ratio, not here. Vajra is measured past its start-up (see the warm-up above); its start-up"
	echo "  CPU, JVM and JIT included, is reported on its own below the table of configurations. In"
	echo "  parentheses: Vajra's own threads only (\`vajra-*\`: collector, hasher, FIM and log services),"
	echo "  the pipeline's cost per event without the JVM's compiler and GC threads (the JIT keeps"
	echo "  compiling paths that get hot after the warm-up, such as the hasher's digests; an agent that"
	echo "  runs for days pays that once)."
	echo "- **monitor peak RSS**: the monitor's VmHWM, the highest over the rounds; Vajra's includes its"
	if [ "$VAJRA_STORE" = shipped ]; then
		echo "  stores as shipped (50,000 rows and 64 MiB per table), full after W1: a run's oldest rows are"
		echo "  evicted as its newest come. Those are counted as captured through their eids (contiguous per"
		echo "  table), without the pid check the held rows get; \`VAJRA_STORE=every-row\` sizes the stores to"
		echo "  hold every row of a round instead (and counts any eviction as lost), at the cost of a heap that"
		echo "  keeps growing: the GC's copying then shows in the CPU figures and the ratio."
	else
		echo "  stores, sized to hold a whole round without eviction (\`$store_options\`)."
	fi
	if [ "$CEILING" = 1 ]; then
		echo
		echo "## Vajra's pipeline ceiling"
		echo
		echo "How many events Vajra drains from the kernel into its store when the ring cannot keep up: $CEILING_WORKERS"
		echo "processes each do $CEILING_COUNT open-write-close cycles in the watched tree at once, once"
		echo "per ring size. Each cycle is one kernel record and one \`bpf_file_events\` row. \"Drained\" runs"
		echo "from the storm's start until Vajra's own threads (\`vajra-*\`: collector, hasher, ...) went idle,"
		echo "watched in /proc (no SQL meanwhile: the shell copies new rows into SQLite before each statement);"
		echo "the counters are read after. Vajra's CPU covers the storm and the drain, SQL excluded. The"
		echo "configuration is the \`vajra\` one's (FIM hashing on)."
		echo
		echo "| ring | workers × cycles | storm ops/s | kernel records sent/s | records decoded | decoded/s | rows stored (of cycles) | rows/s | drained in | lost, by cause | Vajra CPU (100 % = one core) | busiest threads | peak RSS |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|"
		cat "$OUT/ceiling.md"
		echo
		echo "Where rows/s matches the storm's ops/s and nothing was lost, the pipeline kept up: its ceiling lies"
		echo "above what the storm's processes produce on this machine. A smaller ring shows where losses begin"
		echo "when the consumer falls behind (on 2 CPUs the storm's processes compete with it for the CPUs)."
		echo
		echo "### The consumer's own ceiling"
		echo
		echo "The storms above cannot outrun Vajra on 2 CPUs. \`bench/drain-ceiling.sh\` takes the producers out"
		echo "of its way: Vajra's JVM is stopped (SIGSTOP) while $CEILING_WORKERS file storms put $(num "$DRAIN_COUNT" 0) records into a"
		echo "$DRAIN_RING ring, then continued and timed until its collector went idle (schedstat, no SQL). The"
		echo "launcher's JVM options and the shipped store sizes (\`--events-max 50000\`: a full store evicting"
		echo "as it goes, as a deployment runs); the first round is a warm-up, not reported."
		echo
		if [ "$drain_status" = ok ]; then
			cat "$OUT/drain-ceiling.md"
		else
			echo "**drain-ceiling.sh $drain_status**; the end of its log:"
			echo
			echo '```'
			tail -20 "$OUT/drain-ceiling.log"
			echo '```'
		fi
	fi
	if [ "$STEADY" = 1 ]; then
		echo
		echo "## Vajra's CPU once warmed"
		echo
		echo "\`bench/steady-cpu.sh\` (RUNS=$STEADY_RUNS): one \`vajra shell\` with the launcher's JVM options and the"
		echo "shipped store, FIM on W1's tree and an idle log source, fed $STEADY_RUNS runs of each of $steady_workloads in turn, at"
		echo "this run's counts. The rounds above start Vajra afresh each round; an agent runs for days, and"
		echo "this is what remains when its JIT is done. CPU from a cpuacct cgroup (the whole JVM) and each"
		echo "thread's schedstat, read once the JVM is idle after each run; events are records decoded."
		echo
		if [ "$steady_status" = ok ]; then
			sed -n '/^Steady/,$p' "$OUT/steady.md"
			echo
			echo "Every run:"
			echo
			sed -n '1,/^$/p' "$OUT/steady.md"
		else
			echo "**steady-cpu.sh $steady_status**; the end of its log:"
			echo
			echo '```'
			tail -20 "$OUT/steady.log"
			echo '```'
		fi
	fi
	if [ "$OSQUERY" = 1 ]; then
		echo
		echo "## The osquery extension, through Thrift"
		echo
		echo "\`bench/osquery-bench.sh\` (ROWS=$OSQ_ROWS): the extension launched as osqueryd launches it, against"
		echo "the test suite's osqueryd double; its store filled by an exec storm, then \`generate\` of"
		echo "\`bpf_process_events\` over the real Thrift socket."
		if [ "$osquery_status" = ok ]; then
			cat "$OUT/osquery.md"
		else
			echo
			echo "**osquery-bench.sh $osquery_status**; the end of its log:"
			echo
			echo '```'
			tail -20 "$OUT/osquery.log"
			echo '```'
		fi
	fi
	if [ -f "$anchors" ] && [ "$audit_phase" != 1 ]; then
		echo
		echo "## Reference figures not measured in this run"
		echo
		echo "From \`shared/docs/anchors.md\` (\"Measured on this VM\": 2 cores, kernel 6.18, alternating rounds,"
		echo "ratio to nothing attached), for the configurations this run did not measure (auditd among"
		echo "them). Measured earlier, with other counts: compare orders of magnitude, not digits."
		echo
		awk '/^## Measured on this VM/ { on = 1; next } on && /^## / { exit } on && /^BCC/ { exit } on' "$anchors" |
			awk 'NF { body = 1 } body' | awk '/^\|/ { t = 1 } t && !/^\|/ { print ""; t = 0 } { print }'
	fi
	echo
	echo "## Every round"
	echo
	echo "ops/s of each run, in the order they ran, a turn's $REPEATS runs in one cell (all figures also in \`results.tsv\` next to this report)."
	for w in $WORKLOADS; do
		echo
		echo "**${title[$w]%%,*}** (${unit[$w]})"
		echo
		rounds_here=$(awk -F'\t' -v w="$w" 'NR > 1 && $3 == w { print $1 }' "$results" | awk '!seen[$0]++')
		printf '| configuration |'; for r in $rounds_here; do printf ' %s |' "$r"; done; echo
		printf '|---|'; for r in $rounds_here; do printf -- '---:|'; done; echo
		for c in $report_configs; do
			printf '| `%s` |' "$c"
			for r in $rounds_here; do
				printf ' %s |' "$(awk -F'\t' -v c="$c" -v w="$w" -v r="$r" '$1 == r && $2 == c && $3 == w { print $4 }' "$results" |
					while read -r x; do num "$x"; done | paste -sd/ | sed 's|/| / |g')"
			done
			echo
		done
	done
} >"$report"

# --- the chart -----------------------------------------------------------------------
chart=""
if [ -n "$chart_configs" ] && command -v gnuplot >/dev/null; then
	{
		printf 'workload'; for c in $chart_configs; do printf '\t%s' "$c"; done; echo
		for w in $WORKLOADS; do
			printf '"%s"' "$w"
			for c in $chart_configs; do r=$(median_ratio "$c" "$w"); printf '\t%s' "${r:-0}"; done
			echo
		done
	} >"$OUT/chart.dat"
	ncfg=$(echo $chart_configs | wc -w)
	declare -A xlabel=([W1]="W1 open+write+close\\n(watched, tmpfs)" [W2]="W2 fork+exec\\n/bin/true" [W3]="W3 TCP connect+\\naccept+close" [W4]="W4 getpid\\n(not watched)" [W5]="W5 gcc -O2\\nbuilds")
	xtics=""
	i=0
	for w in $WORKLOADS; do xtics+="${xtics:+, }\"${xlabel[$w]}\" $i"; i=$((i + 1)); done
	{
		echo "set terminal pngcairo size 1100,600 font 'DejaVu Sans,10'"
		echo "set output '$OUT/performance.png'"
		echo "set title \"Workload speed with each monitor attached, as a ratio to nothing attached\\n(median of $ROUNDS alternating rounds, each the median of $REPEATS runs; $(nproc) CPUs, kernel $(uname -r); higher is better)\""
		echo "set style data histogram"
		echo "set style histogram clustered gap 1"
		echo "set style fill solid 0.85 border -1"
		echo "set boxwidth 0.95"
		echo "set yrange [0:1.25]"
		echo "set ytics 0.1"
		echo "set grid ytics"
		echo "set ylabel 'ratio to none'"
		echo "set key top center horizontal"
		echo "set xtics ($xtics) scale 0"
		echo "set bmargin 4"
		echo "set xrange [-0.6:$((i - 1)).6]"
		echo "set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 lc rgb '#555555'"
		echo "set label 'none = 1.0' at graph 0.005, first 1.03 tc rgb '#555555'"
		colors=("#d95f02" "#7570b3" "#1b9e77" "#e7298a" "#66a61e")
		plot="plot"
		for k in $(seq "$ncfg"); do
			plot+=" '$OUT/chart.dat' using $((k + 1)) title columnheader($((k + 1))) lc rgb '${colors[$(((k - 1) % 5))]}',"
		done
		# The values above the bars: box k of cluster x sits at x + (k - (n + 1) / 2) / (n + gap).
		for k in $(seq "$ncfg"); do
			plot+=" '$OUT/chart.dat' skip 1 using (\$0 + ($k - ($ncfg + 1) / 2.0) / ($ncfg + 1)):(\$$((k + 1)) + 0.02):(sprintf('%.2f', \$$((k + 1)))) with labels font ',8' notitle,"
		done
		echo "${plot%,}"
	} >"$OUT/chart.gp"
	if gnuplot "$OUT/chart.gp" 2>"$OUT/gnuplot.log"; then chart="$OUT/performance.png"; else log "gnuplot failed: $(cat "$OUT/gnuplot.log")"; fi
elif [ -n "$chart_configs" ]; then
	log "gnuplot is not installed (make bench-deps): no chart"
	sed -i '/^!\[ratio to none/d' "$report"
fi

if [ "$PUBLISH" = 1 ]; then
	cp "$report" docs/performance.md
	[ -n "$chart" ] && cp "$chart" docs/performance.png
	log "report: $report, copied to docs/performance.md"
else
	log "report: $report"
fi
