// SPDX-License-Identifier: Apache-2.0
/*
 * The merge. Each record carries the time it was submitted (its header's
 * unix_ns, until the decoder fills that in), taken by the producing program just
 * before it reserved its place. A record B that depends on a record A was
 * submitted by a program that saw A's effect (the fork done, the name marked
 * sent), so A was committed before B's stamp was taken. In A's ring, every
 * record before A had its place reserved before A's, and was stamped before
 * that: all of them carry stamps below B's. So a merge that always takes the
 * lowest stamp among the rings' next records cannot take B while A, or anything
 * before A, waits, provided A is already visible when B is taken. That is what
 * "certain" ensures: a round reads every ring's producer position twice, all of
 * the first reads before any of the second; a record placed before the first
 * read of its ring (certain) was stamped before it, so every record it depends
 * on was committed before the second reads began, within their positions. The
 * merge takes the lowest stamp while it is certain, and starts a new round when
 * it is not. A record still being written (busy) may hide one the others
 * depend on: the merge stops there until the next poll. Stamps need not rise
 * within a ring (a program interrupted by another submits after it), and the
 * merge keeps each ring's own order.
 *
 * libbpf 1.1's ring_buffer consumes everything visible and cannot stop at a
 * position, so the rings are mapped here, the way the kernel lays them out.
 */
#include "rings.h"
#include "events.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#define MERGE_ROUNDS 64 /* per call: each round either takes records or finds a head that became certain */

static uint64_t load_acquire(const volatile uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

static uint32_t load_acquire32(const volatile uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

static uint64_t record_span(uint32_t len)
{
	return ((uint64_t)(len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;
}

/* A ring's next record, read once and kept until it is taken: the merge compares
 * every ring's head for each record it takes. */
struct head {
	enum { HEAD_NONE, HEAD_READY, HEAD_BUSY } state;
	const uint8_t *sample;
	uint32_t len;
	uint64_t stamp; /* when it was submitted (a record too short to say: 0, at once) */
};

/* The next record of ring v before `end`, skipping discarded ones. */
static void read_head(const struct vj_ring_view *v, uint64_t *pos, uint64_t end, struct head *h)
{
	h->state = HEAD_NONE;
	while (*pos < end) {
		const uint8_t *hdr = v->data + (*pos & v->mask);
		uint32_t word = load_acquire32((const volatile uint32_t *)hdr);
		if (word & BPF_RINGBUF_BUSY_BIT) {
			h->state = HEAD_BUSY;
			return;
		}
		if (word & BPF_RINGBUF_DISCARD_BIT) {
			*pos += record_span(word);
			continue;
		}
		h->state = HEAD_READY;
		h->sample = hdr + BPF_RINGBUF_HDR_SZ;
		h->len = word;
		h->stamp = 0;
		if (word >= sizeof(struct vj_header))
			memcpy(&h->stamp, h->sample + offsetof(struct vj_header, unix_ns), sizeof(h->stamp));
		return;
	}
}

long vj_rings_merge(struct vj_ring_view *rings, int n, vj_take_fn take, void *ctx)
{
	uint64_t certain[n], end[n], pos[n];
	struct head heads[n];
	long taken = 0;
	for (int i = 0; i < n; i++)
		pos[i] = *rings[i].consumer;
	for (int round = 0; round < MERGE_ROUNDS; round++) {
		for (int i = 0; i < n; i++)
			certain[i] = load_acquire(rings[i].producer);
		for (int i = 0; i < n; i++)
			end[i] = load_acquire(rings[i].producer);
		for (int i = 0; i < n; i++)
			read_head(&rings[i], &pos[i], end[i], &heads[i]);
		bool more = true, uncertain = false;
		while (more) {
			int best = -1;
			for (int i = 0; i < n && more; i++) {
				if (heads[i].state == HEAD_BUSY)
					more = false;
				else if (heads[i].state == HEAD_READY && (best < 0 || heads[i].stamp < heads[best].stamp))
					best = i;
			}
			if (!more || best < 0)
				break;
			if (pos[best] >= certain[best]) {
				uncertain = true;
				break;
			}
			pos[best] += record_span(heads[best].len);
			taken++;
			more = take(ctx, heads[best].sample, heads[best].len);
			read_head(&rings[best], &pos[best], end[best], &heads[best]);
		}
		for (int i = 0; i < n; i++)
			__atomic_store_n(rings[i].consumer, pos[i], __ATOMIC_RELEASE);
		if (!more || !uncertain)
			break;
	}
	return taken;
}

struct vj_rings {
	int n;
	int epoll_fd;
	size_t page;
	struct vj_ring_view *views;
	int *fds; /* kept open: what epoll watches */
};

static int map_ring(struct vj_rings *r, int i, int fd)
{
	struct bpf_map_info info = {};
	uint32_t info_len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	uint64_t size = info.max_entries;
	void *consumer = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (consumer == MAP_FAILED)
		return -errno;
	/* the producer's page, then the data twice over */
	void *producer = mmap(NULL, r->page + 2 * size, PROT_READ, MAP_SHARED, fd, r->page);
	if (producer == MAP_FAILED) {
		int rc = -errno;
		munmap(consumer, r->page);
		return rc;
	}
	r->views[i] = (struct vj_ring_view){
		.data = (const uint8_t *)producer + r->page,
		.mask = size - 1,
		.producer = producer,
		.consumer = consumer,
	};
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

struct vj_rings *vj_rings_open(int array_fd, int cpus, char *err, size_t err_size)
{
	struct vj_rings *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->views = calloc(cpus, sizeof(*r->views));
	r->fds = calloc(cpus, sizeof(*r->fds));
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (!r->views || !r->fds || r->epoll_fd < 0) {
		snprintf(err, err_size, "setting up the ring reader: %s", strerror(errno));
		vj_rings_close(r);
		return NULL;
	}
	for (int i = 0; i < cpus; i++) {
		uint32_t key = i, id = 0;
		int rc = bpf_map_lookup_elem(array_fd, &key, &id) ? -errno : 0;
		int fd = rc ? -1 : bpf_map_get_fd_by_id(id);
		if (rc == 0 && fd < 0)
			rc = -errno;
		if (rc == 0) {
			r->fds[i] = fd;
			r->n = i + 1;
			rc = map_ring(r, i, fd);
		}
		if (rc) {
			snprintf(err, err_size, "mapping the ring of CPU %d: %s", i, strerror(-rc));
			vj_rings_close(r);
			return NULL;
		}
	}
	return r;
}

long vj_rings_drain(struct vj_rings *r, vj_take_fn take, void *ctx)
{
	return vj_rings_merge(r->views, r->n, take, ctx);
}

int vj_rings_wait(struct vj_rings *r, int timeout_ms)
{
	struct epoll_event events[8];
	int rc = epoll_wait(r->epoll_fd, events, 8, timeout_ms);
	return rc < 0 ? -errno : 0;
}

void vj_rings_close(struct vj_rings *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++) {
		if (r->views[i].consumer)
			munmap((void *)r->views[i].consumer, r->page);
		if (r->views[i].producer)
			munmap((void *)r->views[i].producer, r->page + 2 * (r->views[i].mask + 1));
		close(r->fds[i]);
	}
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	free(r->views);
	free(r->fds);
	free(r);
}
