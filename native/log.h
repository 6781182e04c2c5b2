/* SPDX-License-Identifier: Apache-2.0 */
/* Loader of the log family (bpf/log.bpf.c): who wrote what into watched log files. */
#ifndef VAJRA_LOG_H
#define VAJRA_LOG_H

#include <stddef.h>
#include <stdint.h>

struct process_bpf;
struct vj_logs;

/* open -> share the process object's maps -> load; nothing attached yet. */
struct vj_logs *vj_logs_load(struct process_bpf *process, char *err, size_t err_size);
/* Replaces the watched log directories ((ino, dev) pairs, dev in the kernel's
 * encoding); the write probes are attached while there is one. */
int vj_logs_watch(struct vj_logs *l, const uint64_t *dirs, size_t ndirs, char *err, size_t err_size);
void vj_logs_destroy(struct vj_logs *l);

#endif
