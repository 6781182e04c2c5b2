/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding kernel records into a batch: the Java-owned direct buffer one poll
 * fills. A batch is a struct vj_batch followed by records in the events.h
 * layout, with path and cwd rewritten as absolute paths and unix_ns set.
 */
#ifndef VAJRA_BATCH_H
#define VAJRA_BATCH_H

#include "events.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest record a decode can write: paths grow by the leading '/' of the
 * root and a " (deleted)" suffix. A batch stops taking records when less
 * than this is left, so a record is never half written. */
#define VJ_DELETED_SUFFIX " (deleted)"
#define VJ_BATCH_RECORD_MAX \
	(sizeof(struct vj_process) + 3 * (VJ_PATH_MAX + 16) + VJ_ARGV_MAX + 8)

struct vj_batch_writer {
	uint8_t *buf;
	uint32_t cap;
	uint32_t used;
	uint32_t count;
};

void vj_batch_begin(struct vj_batch_writer *w, void *buf, uint32_t cap);
/* Writes the batch header; returns the bytes used. */
uint32_t vj_batch_finish(struct vj_batch_writer *w);

static inline bool vj_batch_has_room(const struct vj_batch_writer *w)
{
	return w->cap - w->used >= VJ_BATCH_RECORD_MAX;
}

/* Decodes one kernel record into the batch. Returns 0, or -1 if the record is
 * malformed (nothing written). The caller checks vj_batch_has_room first. */
int vj_decode_record(struct vj_batch_writer *w, const void *data, size_t len, int64_t boot_to_unix_ns);

/* Sizes and offsets of the batch layout, in the order Java's
 * ProcessRecordLayout.FACTS lists them. Returns how many were written. */
int vj_layout_facts(int32_t *out, int max);

#endif
