/* SPDX-License-Identifier: Apache-2.0 */
/* What the families that follow a watch list (files, logs) share: replacing a
 * watch map's contents without a gap, and attaching one program to many
 * syscall tracepoints. */
#ifndef VAJRA_WATCH_H
#define VAJRA_WATCH_H

#include "events.h"
#include <stddef.h>

struct bpf_link;
struct bpf_program;

/* Writes every (key, value) pair, then deletes the map's other keys. `keys` is
 * sorted on return. Returns 0 or -errno. */
int vj_replace_entries(int map_fd, struct vj_fim_key *keys, const void *values, size_t value_size, size_t n);

/* Attaches `prog` to syscalls/<prefix><call> for each call, appending the links;
 * a tracepoint this kernel lacks is skipped. Returns 0 or -errno. */
int vj_attach_syscalls(struct bpf_program *prog, const char *prefix, const char *const *calls, size_t n,
		       struct bpf_link **links, size_t *nlinks);

#endif
