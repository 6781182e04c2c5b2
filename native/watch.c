// SPDX-License-Identifier: Apache-2.0
#include "watch.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_keys(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct vj_fim_key));
}

int vj_replace_entries(int map_fd, struct vj_fim_key *keys, const void *values, size_t value_size, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(map_fd, &keys[i], (const char *)values + i * value_size, BPF_ANY))
			return -errno;
	qsort(keys, n, sizeof(keys[0]), compare_keys);
	struct vj_fim_key key, next;
	void *prev = NULL;
	size_t stale_count = 0, stale_cap = 64;
	struct vj_fim_key *stale = malloc(stale_cap * sizeof(*stale));
	if (!stale)
		return -ENOMEM;
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		if (!bsearch(&next, keys, n, sizeof(keys[0]), compare_keys)) {
			if (stale_count == stale_cap) {
				struct vj_fim_key *more = realloc(stale, 2 * stale_cap * sizeof(*stale));
				if (!more) {
					free(stale);
					return -ENOMEM;
				}
				stale = more;
				stale_cap *= 2;
			}
			stale[stale_count++] = next;
		}
		key = next;
		prev = &key;
	}
	for (size_t i = 0; i < stale_count; i++)
		bpf_map_delete_elem(map_fd, &stale[i]);
	free(stale);
	return 0;
}

int vj_attach_syscalls(struct bpf_program *prog, const char *prefix, const char *const *calls, size_t n,
		       struct bpf_link **links, size_t *nlinks)
{
	for (size_t i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s", prefix, calls[i]);
		struct bpf_link *link = bpf_program__attach_tracepoint(prog, "syscalls", name);
		if (!link) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		links[(*nlinks)++] = link;
	}
	return 0;
}
