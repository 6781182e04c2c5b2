# Vajra's front door. As root on Debian 12:
#   make run    install what is missing, build, load the probes, open the shell
#   make test   build and run every test (the real-kernel ones need root)
#   make bench  the benchmark harness (make bench-deps first installs what it needs)

SHELL := /bin/bash
JAVA_HOME ?= $(firstword $(wildcard /usr/lib/jvm/java-17-openjdk-*))
export JAVA_HOME
MVN := mvn -B -q
BUILD := build

# Debian packages the build and the tests need (runc, podman, busybox: real containers in tests).
PACKAGES := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config cmake make gcc \
            openjdk-17-jdk-headless maven thrift-compiler perl util-linux procps \
            runc podman busybox-static iproute2

# A small, predictable footprint (osqueryd's watchdog watches extensions' memory): the
# default stores need < 200 MiB of heap; raise -Xmx with --store-bytes via VAJRA_JAVA_OPTS.
# The heap starts at 128 MiB and grows only when the stores need it; a fixed 96 MiB young
# generation with survivors of 24 MiB lets a full default store's rows die young instead of
# filling the old generation: RSS after a 1M-event FIM storm ~250 MiB instead of ~305, GC
# ~0.2 ms per 1,000 events (bench/drain-ceiling.sh; a smaller young generation costs 4-6x that).
# No hsperfdata: its sampler wakes the JVM 20 times a second (~1.2 ms CPU per second idle).
JVM_DEFAULTS := -XX:+UseSerialGC -Xms128m -Xmx384m -Xmn96m -XX:SurvivorRatio=3 -XX:TargetSurvivorRatio=90 -XX:-UsePerfData

.PHONY: all build run test bench deps launchers clean

all: build

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "vajra: installing missing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "vajra: run as root to install them (apt-get install$$missing)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

build: deps
	$(MVN) -DskipTests package
	@$(MAKE) --no-print-directory launchers

launchers:
	@mkdir -p $(BUILD)
	@cp target/vajra.jar $(BUILD)/vajra.jar
	@printf '%s\n' '#!/bin/sh' \
	  '# Vajra CLI: `vajra shell`, `vajra query "SQL"`; see README.md' \
	  'dir=$$(dirname "$$(readlink -f "$$0")")' \
	  'java=java; [ -n "$$JAVA_HOME" ] && [ -x "$$JAVA_HOME/bin/java" ] && java="$$JAVA_HOME/bin/java"' \
	  'exec "$$java" $${VAJRA_JAVA_OPTS-$(JVM_DEFAULTS)} -jar "$$dir/vajra.jar" "$$@"' > $(BUILD)/vajra
	@printf '%s\n' '#!/bin/sh' \
	  '# Vajra as an osquery extension: osqueryd runs it with --socket/--timeout/--interval.' \
	  'dir=$$(dirname "$$(readlink -f "$$0")")' \
	  'java=java; [ -n "$$JAVA_HOME" ] && [ -x "$$JAVA_HOME/bin/java" ] && java="$$JAVA_HOME/bin/java"' \
	  'exec "$$java" $${VAJRA_JAVA_OPTS-$(JVM_DEFAULTS)} -jar "$$dir/vajra.jar" extension "$$@"' > $(BUILD)/vajra.ext
	@chmod 755 $(BUILD)/vajra $(BUILD)/vajra.ext
	@echo "vajra: built $(BUILD)/vajra and $(BUILD)/vajra.ext"

run: build
	$(BUILD)/vajra shell

test: deps
	mvn -B -ntp verify
	@$(MAKE) --no-print-directory launchers

# The side-by-side harness (bench/compare.sh): Vajra, bpftrace and (AUDITD=1 only) auditd on
# the same workloads; writes bench/out/<time>/ and docs/performance.md. Settings are
# environment variables (ROUNDS, FILE_COUNT, ... AUDITD): see the script's header.
bench: build
	bench/compare.sh

.PHONY: bench-exec
bench-exec: build
	bench/exec-storm.sh

# What bench/compare.sh needs: bpftrace and gnuplot, and auditd installed without starting
# it (policy-rc.d refuses every service start during the install; a policy-rc.d that was
# there before is kept). BENCH_AUDITD=0 leaves auditd out.
BENCH_PACKAGES := bpftrace gnuplot-nox
BENCH_AUDITD ?= 1

.PHONY: bench-deps
bench-deps:
	@if [ "$$(id -u)" != 0 ]; then echo "vajra: run as root to install the bench packages"; exit 1; fi; \
	missing=""; \
	for p in $(BENCH_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	updated=0; \
	if [ -n "$$missing" ]; then \
	  echo "vajra: installing:$$missing"; \
	  apt-get update -qq && updated=1 && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi; \
	if [ "$(BENCH_AUDITD)" = 1 ] && ! dpkg-query -W -f='$${Status}' auditd 2>/dev/null | grep -q "install ok installed"; then \
	  echo "vajra: installing auditd (not started: bench/compare.sh runs its own, only with AUDITD=1)"; \
	  policy=/usr/sbin/policy-rc.d; saved=""; \
	  if [ -e $$policy ]; then saved=$$(mktemp); cp -p $$policy $$saved; fi; \
	  printf '#!/bin/sh\nexit 101\n' > $$policy && chmod +x $$policy; \
	  { [ $$updated = 1 ] || apt-get update -qq; } && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq auditd >/dev/null; rc=$$?; \
	  if [ -n "$$saved" ]; then mv -f $$saved $$policy; else rm -f $$policy; fi; \
	  [ $$rc = 0 ] || exit $$rc; \
	  if pgrep -x auditd >/dev/null; then echo "vajra: WARNING: auditd is running after the install"; exit 1; fi; \
	fi

.PHONY: bench-files
bench-files: build
	bench/file-storm.sh

.PHONY: bench-logs
bench-logs: build
	bench/log-storm.sh

clean:
	rm -rf target $(BUILD)
