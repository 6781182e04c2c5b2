// SPDX-License-Identifier: Apache-2.0
/*
 * Checks the rings' merge (native/rings.c) on rings laid out in plain memory as the
 * kernel lays them out, in the states a real ring reaches only by chance: a record
 * still being written, a discarded one, stamps that fall within a ring, a reader
 * that stops mid-way. Prints one line per failed check and exits 1 if any failed;
 * RingMergeTest runs it. The real rings are checked end to end
 * (SocketEventsE2ETest.socketsBornOnOneCpuAndClosedOnAnotherKeepTheirOrder).
 */
#include "events.h"
#include "rings.h"

#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING_BYTES 4096

struct fake_ring {
	uint8_t data[RING_BYTES];
	uint64_t producer;
	uint64_t consumer;
};

/* Appends a record whose header's op is `id` and whose submission stamp is `stamp`. */
static uint32_t *append(struct fake_ring *r, uint16_t id, uint64_t stamp)
{
	uint32_t len = sizeof(struct vj_header);
	uint32_t *word = (uint32_t *)(r->data + r->producer);
	struct vj_header h = {.size = len, .family = VJ_FAMILY_PROCESS, .op = id, .unix_ns = stamp};
	word[0] = len;
	word[1] = 0;
	memcpy(r->data + r->producer + BPF_RINGBUF_HDR_SZ, &h, sizeof(h));
	r->producer += (BPF_RINGBUF_HDR_SZ + len + 7) & ~7u;
	return word;
}

static struct vj_ring_view view(struct fake_ring *r)
{
	return (struct vj_ring_view){.data = r->data, .mask = RING_BYTES - 1, .producer = &r->producer,
				     .consumer = &r->consumer};
}

struct taken {
	uint16_t ids[64];
	int n;
	int limit; /* stop after this many in one call; 0: no limit */
	int this_call;
};

static bool take(void *ctx, const void *data, size_t len)
{
	struct taken *t = ctx;
	struct vj_header h = {0};
	memcpy(&h, data, len < sizeof(h) ? len : sizeof(h));
	if (t->n < 64)
		t->ids[t->n++] = h.op;
	return t->limit == 0 || ++t->this_call < t->limit;
}

static int failures;

static void expect(const char *what, const struct taken *t, const uint16_t *ids, int n)
{
	bool same = t->n == n;
	for (int i = 0; same && i < n; i++)
		same = t->ids[i] == ids[i];
	if (same)
		return;
	failures++;
	printf("FAIL %s: took", what);
	for (int i = 0; i < t->n; i++)
		printf(" %u", t->ids[i]);
	printf(", expected");
	for (int i = 0; i < n; i++)
		printf(" %u", ids[i]);
	printf("\n");
}

static long merge(struct fake_ring *a, struct fake_ring *b, struct taken *t)
{
	struct vj_ring_view v[2] = {view(a), view(b)};
	t->this_call = 0;
	return vj_rings_merge(v, 2, take, t);
}

static void interleaves_by_stamp(void)
{
	struct fake_ring a = {0}, b = {0};
	struct taken t = {0};
	append(&a, 1, 10);
	append(&b, 2, 20);
	append(&a, 3, 30);
	append(&b, 4, 40);
	append(&a, 5, 50);
	merge(&a, &b, &t);
	expect("interleaves by stamp", &t, (uint16_t[]){1, 2, 3, 4, 5}, 5);
	if (a.consumer != a.producer || b.consumer != b.producer) {
		failures++;
		printf("FAIL interleaves by stamp: the rings' space was not given back\n");
	}
}

/* A program interrupted by another submits after it with an earlier stamp: the
 * ring's own order stands, and the other ring's records are not held back by it. */
static void keeps_a_rings_order(void)
{
	struct fake_ring a = {0}, b = {0};
	struct taken t = {0};
	append(&a, 1, 10);
	append(&a, 2, 50);
	append(&a, 3, 20);
	append(&b, 4, 30);
	append(&b, 5, 60);
	merge(&a, &b, &t);
	expect("keeps a ring's order", &t, (uint16_t[]){1, 4, 2, 3, 5}, 5);
}

/* A record still being written, whose stamp cannot be read yet, may hide one that
 * any other ring's records depend on: nothing is taken until it is committed. */
static void waits_for_a_busy_record(void)
{
	struct fake_ring a = {0}, b = {0};
	struct taken t = {0};
	append(&a, 1, 10);
	uint32_t *busy = append(&b, 2, 20);
	*busy |= BPF_RINGBUF_BUSY_BIT;
	append(&b, 3, 25);
	append(&a, 4, 30);
	merge(&a, &b, &t);
	expect("takes nothing while a record is being written", &t, (uint16_t[]){0}, 0);
	*busy &= ~BPF_RINGBUF_BUSY_BIT;
	merge(&a, &b, &t);
	expect("takes the rest once it is committed", &t, (uint16_t[]){1, 2, 3, 4}, 4);
}

static void skips_discarded_records(void)
{
	struct fake_ring a = {0}, b = {0};
	struct taken t = {0};
	*append(&a, 1, 10) |= BPF_RINGBUF_DISCARD_BIT;
	append(&a, 2, 30);
	append(&b, 3, 20);
	merge(&a, &b, &t);
	expect("skips discarded records", &t, (uint16_t[]){3, 2}, 2);
	if (a.consumer != a.producer) {
		failures++;
		printf("FAIL skips discarded records: the discarded record's space was kept\n");
	}
}

/* The batch fills: the reader stops, and the next call goes on where it stopped. */
static void resumes_where_it_stopped(void)
{
	struct fake_ring a = {0}, b = {0};
	struct taken t = {.limit = 2};
	append(&a, 1, 10);
	append(&b, 2, 20);
	append(&a, 3, 30);
	append(&b, 4, 40);
	long first = merge(&a, &b, &t);
	long second = merge(&a, &b, &t);
	expect("resumes where it stopped", &t, (uint16_t[]){1, 2, 3, 4}, 4);
	if (first != 2 || second != 2) {
		failures++;
		printf("FAIL resumes where it stopped: took %ld then %ld, expected 2 and 2\n", first, second);
	}
}

/* A record too short to carry a stamp is handed on (the decoder counts it
 * malformed) rather than left to block its ring. */
static void hands_on_a_short_record(void)
{
	struct fake_ring a = {0}, b = {0};
	struct taken t = {0};
	append(&b, 2, 20);
	uint32_t *word = (uint32_t *)(a.data + a.producer);
	word[0] = 4;
	word[1] = 0;
	a.producer += 16;
	merge(&a, &b, &t);
	if (t.n != 2 || t.ids[1] != 2) {
		failures++;
		printf("FAIL hands on a short record: took %d records\n", t.n);
	}
}

int main(void)
{
	interleaves_by_stamp();
	keeps_a_rings_order();
	waits_for_a_busy_record();
	skips_discarded_records();
	resumes_where_it_stopped();
	hands_on_a_short_record();
	if (failures)
		return 1;
	printf("merge: all checks passed\n");
	return 0;
}
