/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader of the CPUs' rings (bpf/common.h): one ring per CPU, merged back
 * into an order in which every record comes after those it could depend on (a
 * process's fork before its exec, a socket's birth before its close, a
 * cgroup's name before its events). See rings.c for why the merge is safe.
 */
#ifndef VAJRA_RINGS_H
#define VAJRA_RINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Takes one record (always); returns false once it can take no more this time. */
typedef bool (*vj_take_fn)(void *ctx, const void *data, size_t len);

/* One ring as the merge sees it: the kernel's layout (data mapped twice over, so
 * a record never wraps), whoever mapped it. */
struct vj_ring_view {
	const uint8_t *data;
	uint64_t mask;                     /* data size - 1 */
	const volatile uint64_t *producer; /* the kernel's producer position */
	volatile uint64_t *consumer;       /* ours, which frees the space */
};

/* Takes records from the rings in merged order, until take() says stop, or no
 * record is both certain and next. Returns the number taken. */
long vj_rings_merge(struct vj_ring_view *rings, int n, vj_take_fn take, void *ctx);

struct vj_rings;

/* Maps every ring of the array `array_fd` (cpus entries). NULL, with a message in err. */
struct vj_rings *vj_rings_open(int array_fd, int cpus, char *err, size_t err_size);
long vj_rings_drain(struct vj_rings *r, vj_take_fn take, void *ctx);
/* Waits up to timeout_ms for a producer's wake-up; 0, or a negative errno. */
int vj_rings_wait(struct vj_rings *r, int timeout_ms);
void vj_rings_close(struct vj_rings *r);

#endif
