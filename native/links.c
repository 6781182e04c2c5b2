// SPDX-License-Identifier: Apache-2.0
#include "links.h"

#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdbool.h>

#define DETACH_THREADS 16

struct detach_share {
	struct bpf_link **links;
	size_t n;
	size_t first; /* this thread closes first, first + DETACH_THREADS, ... */
};

static void *detach_some(void *arg)
{
	struct detach_share *share = arg;
	for (size_t i = share->first; i < share->n; i += DETACH_THREADS) {
		bpf_link__destroy(share->links[i]);
		share->links[i] = NULL;
	}
	return NULL;
}

void vj_destroy_links(struct bpf_link **links, size_t n)
{
	pthread_t threads[DETACH_THREADS];
	struct detach_share shares[DETACH_THREADS];
	bool started[DETACH_THREADS] = {0};
	for (size_t t = 0; t < DETACH_THREADS && t < n; t++) {
		shares[t] = (struct detach_share){.links = links, .n = n, .first = t};
		started[t] = pthread_create(&threads[t], NULL, detach_some, &shares[t]) == 0;
		if (!started[t])
			detach_some(&shares[t]); /* no thread: do its share here */
	}
	for (size_t t = 0; t < DETACH_THREADS && t < n; t++)
		if (started[t])
			pthread_join(threads[t], NULL);
}
