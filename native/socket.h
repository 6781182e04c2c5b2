/* SPDX-License-Identifier: Apache-2.0 */
/* Loader of the socket family (bpf/socket.bpf.c). */
#ifndef VAJRA_SOCKET_H
#define VAJRA_SOCKET_H

#include "session.h"
#include <stddef.h>

struct process_bpf;
struct socket_bpf;

/* open -> share the process object's maps -> configure -> load -> attach. */
struct socket_bpf *vj_socket_load(const struct vj_settings *settings, struct process_bpf *process,
				  char *err, size_t err_size);
void vj_socket_destroy(struct socket_bpf *skel);

#endif
