/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every probe family shares: the rings (one per CPU), the per-CPU counters,
 * the scratch space records are built in, and the submit path with batched
 * wake-ups. Layered as read -> store -> submit.
 */
#ifndef VAJRA_COMMON_H
#define VAJRA_COMMON_H

#include "kernel.h"
#include "events.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* Records are built in a scratch area and copied to the ring with
 * bpf_ringbuf_output: bpf_ringbuf_reserve needs a size known at verification
 * time, ours is only known after argv has been read. */
#define VJ_SCRATCH_SIZE (sizeof(struct vj_process) + 3 * VJ_PATH_MAX + 2 * VJ_ARGV_MAX)
#define VJ_RECORD_MAX (sizeof(struct vj_process) + 3 * VJ_PATH_MAX + VJ_ARGV_MAX + 8)

/* v = min(v, max) in v's own register. clang may test one copy of a value and
 * use another, and the verifier bounds only the copy tested: a value it knows no
 * bound for (a global function's argument or result) must be clamped this way. */
#define VJ_CLAMP(v, max) asm volatile("if %0 <= %1 goto +1; %0 = %1" : "+r"(v) : "i"(max))

/* Casts a kernel pointer held as a plain value to its BTF type, so that its fields
 * can be read with direct (fault-safe) loads instead of a helper call each; the
 * verifier resolves it, no call is made at run time. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define VJ_BTF(type, ptr) ((type *)bpf_rdonly_cast((ptr), bpf_core_type_id_kernel(type)))

/* The current syscall's saved user registers. An exit tracepoint carries only the
 * return value, but the arguments are still there: x86-64 passes them in registers
 * the kernel saves at entry and does not change. Reading them at the exit spares
 * an enter program, and its tracepoint, on every such call of the machine. */
static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* Settings written by the loader before load (rodata). */
const volatile __u64 wakeup_threshold = 1 << 20; /* pending bytes that force a wake-up */
const volatile __u32 iterator_slot = 0;          /* scratch slot of the start-up iterator */

/* A ring per CPU, so that producers on two CPUs never share a lock or a cache
 * line: the native reader merges them back into causal order (native/rings.c). */
struct cpu_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the loader */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* set to the possible CPUs by the loader, which fills it */
	__type(key, __u32);
	__array(values, struct cpu_ring);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VJ_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* One scratch slot per CPU plus one for the start-up iterator. A per-CPU array
 * cannot hold it: per-CPU values are limited to 32 KiB. */
struct scratch {
	__u8 data[VJ_SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to possible CPUs + 1 by the loader */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_space SEC(".maps");

static __always_inline void count(__u32 stat)
{
	__u64 *slot = bpf_map_lookup_elem(&stats, &stat);
	if (slot)
		*slot += 1;
}

static __always_inline struct scratch *cpu_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch_space, &cpu);
}

/* Copy a finished record to this CPU's ring. Wake the reader only once a quarter
 * of the ring is pending (a wake-up costs the traced task microseconds, and the
 * reader polls on a timeout anyway), then once per sixteenth of that mark the
 * record crosses, not for every record: while the reader was held up (a GC
 * pause) those wake-ups all found it busy, and a W1 storm ran 3x slower than
 * with the reader keeping up. A wake-up that finds the reader busy still marks
 * the ring ready for its next epoll_wait; the next mark is a second chance
 * should a nested program step over one unseen. Past three quarters every
 * record wakes it again: there the cost is the point, it slows the producer and
 * hands the reader a CPU before the ring overflows. wakeup_threshold is a power
 * of two (a quarter of a ring).
 *
 * The record's unix_ns, which the native decoder fills, carries meanwhile the
 * time of its submission: the reader's merge orders the rings by it. Taken here,
 * last, it is later than anything this program saw another CPU commit (a
 * cgroup's name, a fork), which is what the merge needs (see native/rings.c).
 * A record its builder left unstamped (h.ktime_ns 0) takes the same time as
 * its event time: one clock read per record, where a clock read is not free (a
 * W3 connection made thirteen of them). submit_at takes the time from a caller
 * that needs it first (a duration), read as its last step before submitting. */
static __always_inline int submit_at(void *record, __u32 size, __u32 sent_stat, __u64 now_ns)
{
	if (size > VJ_RECORD_MAX) {
		count(VJ_STAT_LOST_TOO_BIG);
		return -1;
	}
	__u32 cpu = bpf_get_smp_processor_id();
	void *ring = bpf_map_lookup_elem(&rings, &cpu);
	if (!ring) { /* the loader fills every possible CPU's slot: not expected */
		count(VJ_STAT_LOST_RING_FULL);
		return -1;
	}
	__u64 pending = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	__u64 after = pending + size;
	bool wake = after >= wakeup_threshold &&
		    ((pending ^ after) >= (wakeup_threshold >> 4) || after >= 3 * wakeup_threshold);
	__u64 flags = wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	struct vj_header *h = record;
	if (!h->ktime_ns)
		h->ktime_ns = now_ns;
	h->unix_ns = now_ns;
	if (bpf_ringbuf_output(ring, record, size, flags)) {
		count(VJ_STAT_LOST_RING_FULL);
		return -1;
	}
	count(sent_stat);
	return 0;
}

static __always_inline int submit(void *record, __u32 size, __u32 sent_stat)
{
	return submit_at(record, size, sent_stat, bpf_ktime_get_boot_ns());
}

#endif /* VAJRA_COMMON_H */
