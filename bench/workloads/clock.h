/* SPDX-License-Identifier: Apache-2.0 */
/* The workloads time themselves on the monotonic clock, in seconds. */
#ifndef VAJRA_BENCH_CLOCK_H
#define VAJRA_BENCH_CLOCK_H

#include <time.h>

static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
