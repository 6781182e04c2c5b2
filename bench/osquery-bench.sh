#!/usr/bin/env bash
# Vajra as an osquery extension, through the real Thrift path against an osqueryd double
# (the test suite's FakeOsqueryd): time from launch to registered (median of LAUNCHES),
# without a config and with a FIM path configured (the file programs load before it registers),
# generate latency and rows/s with ROWS events buffered (store filled by an exec storm of
# /bin/true), and the extension's RSS with the store full. Prints a Markdown table.
#
#   bench/osquery-bench.sh            (after `make`; as root: the extension loads BPF probes)
#   ROWS=50000 LAUNCHES=5 GENERATES=5 bench/osquery-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-50000}
LAUNCHES=${LAUNCHES:-5}
GENERATES=${GENERATES:-5}
# fork + exec + exit per /bin/true: a third of ROWS execs fill the store; a margin more.
STORM_COUNT=${STORM_COUNT:-$((ROWS / 2))}
STORM_WORKERS=${STORM_WORKERS:-2}
JAR=${JAR:-build/vajra.jar}
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}

[ -f "$JAR" ] || { echo "osquery-bench: $JAR is missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || echo "osquery-bench: not root: the extension may fail to load its probes" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/exec_storm" bench/workloads/exec_storm.c
mkdir -p "$work/classes"
"$JAVA_HOME/bin/javac" -nowarn -d "$work/classes" -cp "$JAR" \
	java/src/test/java/io/vajra/osquery/FakeOsqueryd.java \
	java/src/test/java/io/vajra/osquery/FakeQueryContext.java \
	bench/OsqueryBench.java

"$JAVA_HOME/bin/java" -cp "$work/classes:$JAR" OsqueryBench \
	"$JAR" "$work/exec_storm" "$ROWS" "$LAUNCHES" "$STORM_COUNT" "$STORM_WORKERS" "$GENERATES"
