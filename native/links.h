/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VAJRA_LINKS_H
#define VAJRA_LINKS_H

#include <stddef.h>

struct bpf_link;

/*
 * Destroys links and sets them to NULL. Detaching a syscall tracepoint waits
 * for an RCU grace period (~50 ms here): one after another, the file family's
 * ~80 links took 4-5 s, so they are closed from several threads at once and
 * their waits overlap.
 */
void vj_destroy_links(struct bpf_link **links, size_t n);

#endif
