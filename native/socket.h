/* SPDX-License-Identifier: Apache-2.0 */
/* Loader of the socket family (bpf/socket.bpf.c). */
#ifndef VAJRA_SOCKET_H
#define VAJRA_SOCKET_H

#include <stddef.h>

struct process_bpf;
struct vj_sockets;

/* open -> share the process object's maps -> configure. NULL with a message in `err`. */
struct vj_sockets *vj_socket_open(struct process_bpf *process, char *err, size_t err_size);
/* load -> attach; 0, or a negative error with a message in `err`. Safe on
 * another thread while the process family loads. */
int vj_socket_load(struct vj_sockets *s, char *err, size_t err_size);
void vj_socket_destroy(struct vj_sockets *s);

#endif
