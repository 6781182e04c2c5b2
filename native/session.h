/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A probe session: the loaded programs, the rings they write to, and the
 * poller that merges them into batches. One thread polls; counters may be read
 * from any thread; close only after polling has stopped.
 */
#ifndef VAJRA_SESSION_H
#define VAJRA_SESSION_H

#include "batch.h"
#include <stdbool.h>
#include <stdint.h>

struct vj_settings {
	uint32_t ring_bytes;
	uint32_t argv_cap;
	bool failed_execs;
	bool containers; /* send cgroup names for container attribution */
	bool sockets;    /* load the socket family */
	bool files;      /* FIM is configured: load the file family with the others (attached on the first watch) */
};

/* Counters kept by the poller, after the kernel's VJ_STAT_MAX. Java's
 * ProbeCounters.NAMES lists both, in this order. */
enum vj_native_stat {
	VJ_NATIVE_DECODED = 0,
	VJ_NATIVE_BATCHES,
	VJ_NATIVE_MALFORMED,
	VJ_NATIVE_SNAPSHOT,
	VJ_NATIVE_RING_BYTES,
	VJ_NATIVE_MAX,
};
#define VJ_COUNTERS (VJ_STAT_MAX + VJ_NATIVE_MAX)

struct vj_session;

/* Returns NULL and an actionable message in `err` on failure. */
struct vj_session *vj_session_open(const struct vj_settings *settings, char *err, size_t err_size);
/* Fills `buf` with one batch: what is pending, or what arrives within
 * timeout_ms. Returns the bytes used (a bare header when nothing came), or -1. */
int vj_session_poll(struct vj_session *s, void *buf, uint32_t cap, int timeout_ms);
void vj_session_counters(struct vj_session *s, uint64_t out[VJ_COUNTERS]);
/* What FIM watches (see vj_files_watch); the file family is loaded at open
 * (settings->files) or on the first call with a root. Not concurrently with
 * itself or close. */
int vj_session_watch_files(struct vj_session *s, const uint64_t *roots, size_t nroots, const uint64_t *steps,
			   size_t nsteps, bool accesses, char *err, size_t err_size);
/* Which directories hold watched logs ((ino, dev) pairs); the log family is
 * loaded on the first call with one. Not concurrently with itself or close. */
int vj_session_watch_logs(struct vj_session *s, const uint64_t *dirs, size_t ndirs, char *err, size_t err_size);
void vj_session_close(struct vj_session *s);

#endif
