// SPDX-License-Identifier: Apache-2.0
#include "errors.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

/* A ring of the last bytes libbpf printed: verifier logs run to megabytes, the
 * useful part is at the end. One per thread: families load on two threads at
 * once, and libbpf prints in the thread that loads, so each failure keeps its
 * own log. */
#define LOG_RING 65536
static __thread char log_ring[LOG_RING];
static __thread size_t log_written; /* total bytes ever written; position = written % LOG_RING */
static int log_to_stderr;

static int capture(enum libbpf_print_level level, const char *fmt, va_list args)
{
	/* The verifier's log comes as one print of up to megabytes; its end (the
	 * reason) matters most, so format it whole and keep the tail. */
	char small[1024];
	va_list again;
	va_copy(again, args);
	int n = vsnprintf(small, sizeof(small), fmt, args);
	char *text = small;
	if (n >= (int)sizeof(small)) {
		text = malloc(n + 1);
		if (text)
			vsnprintf(text, n + 1, fmt, again);
		else
			text = small, n = sizeof(small) - 1;
	}
	va_end(again);
	if (n < 0)
		return 0;
	if (log_to_stderr)
		fputs(text, stderr);
	/* Debug lines (every CO-RE relocation) would push the verifier's words out. */
	if (level != LIBBPF_DEBUG) {
		for (int i = n > LOG_RING ? n - LOG_RING : 0; i < n; i++)
			log_ring[log_written++ % LOG_RING] = text[i];
	}
	if (text != small)
		free(text);
	return n;
}

void vj_capture_libbpf_log(void)
{
	log_to_stderr = getenv("VAJRA_DEBUG") != NULL;
	libbpf_set_print(capture);
}

void vj_clear_libbpf_log(void)
{
	log_written = 0;
}

void vj_libbpf_log_tail(char *out, size_t out_size, size_t max)
{
	size_t have = log_written < LOG_RING ? log_written : LOG_RING;
	if (max > have)
		max = have;
	if (max >= out_size)
		max = out_size - 1;
	size_t start = log_written - max;
	size_t n = 0;
	for (size_t i = 0; i < max; i++)
		out[n++] = log_ring[(start + i) % LOG_RING];
	out[n] = 0;
	/* Start at a line boundary so the first line is not a fragment. */
	char *nl = strchr(out, '\n');
	if (nl && nl != out && (size_t)(nl - out) < n / 4)
		memmove(out, nl + 1, n - (nl - out));
}

/* Syscall tracepoints are attached through tracefs; minimal systems often
 * leave it unmounted. */
static int ensure_tracefs(char *err, size_t err_size)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0) {
		snprintf(err, err_size,
			 "tracefs is not mounted and mounting it on /sys/kernel/tracing failed (%s): "
			 "run `mount -t tracefs tracefs /sys/kernel/tracing`",
			 strerror(errno));
		return -1;
	}
	return ensure_tracefs(err, err_size);
}

int vj_check_environment(char *err, size_t err_size)
{
	if (geteuid() != 0) {
		snprintf(err, err_size,
			 "Vajra must run as root to load eBPF programs (it needs CAP_BPF, CAP_PERFMON "
			 "and CAP_SYS_ADMIN); run it with sudo");
		return -1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(err, err_size,
			 "this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): Vajra needs "
			 "a kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux 5.8 or newer; Debian's "
			 "stock kernels have it)");
		return -1;
	}
	return ensure_tracefs(err, err_size);
}
