// SPDX-License-Identifier: Apache-2.0
#include "session.h"
#include "errors.h"
#include "process.h"
#include "socket.h"
#include "file.h"
#include "log.h"
#include "rings.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vj_session {
	struct process_bpf *process;
	struct vj_sockets *socket;
	struct vj_files *files; /* loaded at open when FIM is configured then, else when something is first watched */
	struct vj_logs *logs;   /* likewise, for log sources */
	struct vj_rings *rings;
	int stats_fd;
	int cpus;
	/* The start-up snapshot, handed out before anything from the rings. */
	uint8_t *snapshot;
	size_t snapshot_len;
	size_t snapshot_at;
	/* Valid during one poll. */
	struct vj_batch_writer batch;
	int64_t boot_to_unix_ns;
	bool batch_full;
	uint64_t native[VJ_NATIVE_MAX];
};

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* BPF stamps events with the boot-time clock (it keeps counting in suspend);
 * the offset to UNIX time is taken once per batch. */
static int64_t boot_to_unix_offset(void)
{
	int64_t before = clock_ns(CLOCK_BOOTTIME);
	int64_t real = clock_ns(CLOCK_REALTIME);
	int64_t after = clock_ns(CLOCK_BOOTTIME);
	return real - (before + (after - before) / 2);
}

static void take(struct vj_session *s, const void *data, size_t len)
{
	if (vj_decode_record(&s->batch, data, len, s->boot_to_unix_ns) == 0)
		s->native[VJ_NATIVE_DECODED]++;
	else
		s->native[VJ_NATIVE_MALFORMED]++;
}

/* Stops the merge once the batch cannot take a record of the largest size. */
static bool on_record(void *ctx, const void *data, size_t len)
{
	struct vj_session *s = ctx;
	take(s, data, len);
	if (!vj_batch_has_room(&s->batch)) {
		s->batch_full = true;
		return false;
	}
	return true;
}

/* A family verified on a second thread while the process family is on this one. */
struct side_load {
	int (*load)(void *family, char *err, size_t err_size);
	void *family;
	pthread_t thread;
	bool apart;
	int rc;
	char err[VJ_ERROR_MAX];
};

static int load_socket_family(void *family, char *err, size_t err_size)
{
	return vj_socket_load(family, err, err_size);
}

static int load_file_family(void *family, char *err, size_t err_size)
{
	return vj_files_load(family, err, err_size);
}

static void *run_side_load(void *arg)
{
	struct side_load *l = arg;
	l->rc = l->load(l->family, l->err, sizeof(l->err));
	return NULL;
}

/*
 * The verifier takes most of start-up, and each family's programs verify on
 * their own: the socket family, and the file family when FIM is configured
 * from the start, load on threads of their own meanwhile (on this one, if a
 * thread cannot start). The file family failing is no reason to stop: it is
 * dropped, and the first watch loads it again and reports why it cannot.
 */
static int load_families(struct vj_session *s, char *err, size_t err_size)
{
	struct side_load sides[2] = {
		{.load = load_socket_family, .family = s->socket},
		{.load = load_file_family, .family = s->files},
	};
	for (int i = 0; i < 2; i++)
		sides[i].apart = sides[i].family && pthread_create(&sides[i].thread, NULL, run_side_load, &sides[i]) == 0;
	int rc = vj_process_load(s->process, err, err_size);
	for (int i = 0; i < 2; i++) {
		if (sides[i].apart)
			pthread_join(sides[i].thread, NULL);
		else if (sides[i].family)
			run_side_load(&sides[i]);
	}
	if (sides[1].family && sides[1].rc) {
		vj_files_destroy(s->files);
		s->files = NULL;
	}
	if (rc == 0 && sides[0].family && sides[0].rc) {
		snprintf(err, err_size, "%s", sides[0].err);
		rc = sides[0].rc;
	}
	return rc;
}

struct vj_session *vj_session_open(const struct vj_settings *settings, char *err, size_t err_size)
{
	err[0] = 0;
	if (vj_check_environment(err, err_size))
		return NULL;
	struct vj_session *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	s->cpus = libbpf_num_possible_cpus();
	s->process = vj_process_open(settings, err, err_size);
	if (!s->process)
		goto fail;
	/* The socket family's syscall tracepoints (close among them) cost every task: opt-out. */
	if (settings->sockets) {
		s->socket = vj_socket_open(s->process, err, err_size);
		if (!s->socket)
			goto fail;
	}
	if (settings->files) {
		s->files = vj_files_open(s->process, err, err_size);
		err[0] = 0; /* without them, the first watch opens them again and says why it cannot */
	}
	if (load_families(s, err, err_size))
		goto fail;
	s->stats_fd = vj_process_stats_fd(s->process);
	s->rings = vj_rings_open(vj_process_rings_fd(s->process), s->cpus, err, err_size);
	if (!s->rings)
		goto fail;
	s->native[VJ_NATIVE_RING_BYTES] = (uint64_t)vj_ring_bytes_per_cpu(settings->ring_bytes, s->cpus) * s->cpus;
	/* Probes are attached first, so no process falls between snapshot and events. */
	s->snapshot = vj_process_snapshot(s->process, &s->snapshot_len, err, err_size);
	if (!s->snapshot)
		goto fail;
	return s;
fail:
	vj_session_close(s);
	return NULL;
}

static void drain_snapshot(struct vj_session *s)
{
	while (s->snapshot_at < s->snapshot_len && vj_batch_has_room(&s->batch)) {
		const struct vj_header *h = (const void *)(s->snapshot + s->snapshot_at);
		size_t left = s->snapshot_len - s->snapshot_at;
		if (left < sizeof(*h) || h->size < sizeof(*h) || h->size > left) {
			s->native[VJ_NATIVE_MALFORMED]++;
			s->snapshot_at = s->snapshot_len;
			break;
		}
		take(s, h, h->size);
		s->native[VJ_NATIVE_SNAPSHOT]++;
		s->snapshot_at += h->size;
	}
}

int vj_session_poll(struct vj_session *s, void *buf, uint32_t cap, int timeout_ms)
{
	if (cap < sizeof(struct vj_batch) + VJ_BATCH_RECORD_MAX)
		return -1;
	vj_batch_begin(&s->batch, buf, cap);
	s->boot_to_unix_ns = boot_to_unix_offset();
	s->batch_full = false;

	if (s->snapshot_at < s->snapshot_len)
		drain_snapshot(s);
	/* Producers do not wake us per record (BPF_RB_NO_WAKEUP): take what is
	 * pending, and only wait when there was nothing. */
	if (!s->batch_full && vj_batch_has_room(&s->batch))
		vj_rings_drain(s->rings, on_record, s);
	if (s->batch.count == 0 && !s->batch_full) {
		int rc = vj_rings_wait(s->rings, timeout_ms);
		if (rc < 0 && rc != -EINTR)
			return -1;
		vj_rings_drain(s->rings, on_record, s);
	}
	s->native[VJ_NATIVE_BATCHES]++;
	return (int)vj_batch_finish(&s->batch);
}

void vj_session_counters(struct vj_session *s, uint64_t out[VJ_COUNTERS])
{
	memset(out, 0, VJ_COUNTERS * sizeof(uint64_t));
	uint64_t per_cpu[s->cpus > 0 ? s->cpus : 1];
	for (uint32_t stat = 0; stat < VJ_STAT_MAX; stat++) {
		if (bpf_map_lookup_elem(s->stats_fd, &stat, per_cpu))
			continue;
		for (int cpu = 0; cpu < s->cpus; cpu++)
			out[stat] += per_cpu[cpu];
	}
	memcpy(out + VJ_STAT_MAX, s->native, sizeof(s->native));
}

int vj_session_watch_files(struct vj_session *s, const uint64_t *roots, size_t nroots, const uint64_t *steps,
			   size_t nsteps, bool accesses, char *err, size_t err_size)
{
	err[0] = 0;
	if (!s->files && nroots == 0)
		return 0;
	if (!s->files) {
		struct vj_files *f = vj_files_open(s->process, err, err_size);
		if (!f)
			return -1;
		if (vj_files_load(f, err, err_size)) {
			vj_files_destroy(f);
			return -1;
		}
		s->files = f;
	}
	return vj_files_watch(s->files, roots, nroots, steps, nsteps, accesses, err, err_size);
}

int vj_session_watch_logs(struct vj_session *s, const uint64_t *dirs, size_t ndirs, char *err, size_t err_size)
{
	err[0] = 0;
	if (!s->logs && ndirs == 0)
		return 0;
	if (!s->logs) {
		s->logs = vj_logs_load(s->process, err, err_size);
		if (!s->logs)
			return -1;
	}
	return vj_logs_watch(s->logs, dirs, ndirs, err, err_size);
}

void vj_session_close(struct vj_session *s)
{
	if (!s)
		return;
	vj_rings_close(s->rings);
	vj_files_destroy(s->files);
	vj_logs_destroy(s->logs);
	if (s->socket)
		vj_socket_destroy(s->socket);
	if (s->process)
		vj_process_destroy(s->process);
	free(s->snapshot);
	free(s);
}
