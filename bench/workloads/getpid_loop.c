// SPDX-License-Identifier: Apache-2.0
/*
 * W4 workload: <count> calls of syscall(SYS_getpid), the cheapest syscall there is, and
 * nothing a monitor reports. It shows what a monitor costs every process on the machine
 * that it does not watch (e.g. the slow syscall path while any syscall tracepoint is
 * attached, or audit's per-syscall work). syscall() rather than getpid(), so that no
 * libc ever caches the answer. Prints "ops=<n> seconds=<s> pid=<pid> ops_per_s=<r>".
 *
 * usage: getpid_loop <count>
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <count>\n", argv[0]);
		return 2;
	}
	long count = atol(argv[1]);
	long sum = 0;
	double start = now();
	for (long i = 0; i < count; i++)
		sum += syscall(SYS_getpid);
	double seconds = now() - start;
	if (count > 0 && sum / count != (long)getpid()) {
		fprintf(stderr, "getpid_loop: unexpected getpid result\n");
		return 1;
	}
	printf("ops=%ld seconds=%.3f pid=%d ops_per_s=%.0f\n", count, seconds, (int)getpid(),
	       seconds > 0 ? count / seconds : 0);
	return 0;
}
