/* SPDX-License-Identifier: Apache-2.0 */
/* The struct file behind a descriptor of the current task. */
#ifndef VAJRA_FD_H
#define VAJRA_FD_H

#include "common.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Direct loads from the BTF-typed current task, and for the table slot at its
 * variable index from the table cast to untrusted memory: no helper call. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	/* cast to void: untrusted read-only memory, loadable at a variable offset */
	struct file **fds = bpf_rdonly_cast(fdt->fd, 0);
	return fds[fd];
}

/* Whether an open file (a BTF-typed pointer, see VJ_BTF) is a socket. */
static __always_inline bool file_is_socket(struct file *f)
{
	return (f->f_inode->i_mode & S_IFMT) == S_IFSOCK;
}

#endif /* VAJRA_FD_H */
