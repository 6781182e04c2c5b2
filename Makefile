# Vajra's front door. As root on Debian 12:
#   make run    install what is missing, build, load the probes, open the shell
#   make test   build and run every test (the real-kernel ones need root)
#   make bench  the benchmark harness

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
JVM_DEFAULTS := -XX:+UseSerialGC -Xmx384m

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

bench: build
	bench/exec-storm.sh

.PHONY: bench-files
bench-files: build
	bench/file-storm.sh

.PHONY: bench-logs
bench-logs: build
	bench/log-storm.sh

clean:
	rm -rf target $(BUILD)
