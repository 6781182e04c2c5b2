/* SPDX-License-Identifier: Apache-2.0 */
/* The struct file behind a descriptor of the current task. */
#ifndef VAJRA_FD_H
#define VAJRA_FD_H

#include "common.h"

/* Direct loads from the BTF-typed current task (no helper call per field); only
 * the table slot, at a variable index, is read with a helper. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *file = NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), fds + fd))
		return NULL;
	return file;
}

#endif /* VAJRA_FD_H */
