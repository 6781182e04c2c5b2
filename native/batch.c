// SPDX-License-Identifier: Apache-2.0
#include "batch.h"

#include <stddef.h>
#include <string.h>

void vj_batch_begin(struct vj_batch_writer *w, void *buf, uint32_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->used = sizeof(struct vj_batch);
	w->count = 0;
}

uint32_t vj_batch_finish(struct vj_batch_writer *w)
{
	struct vj_batch header = {
		.abi_version = VJ_ABI_VERSION,
		.count = w->count,
		.used = w->used,
	};
	memcpy(w->buf, &header, sizeof(header));
	return w->used;
}

/* Pads the record at the batch's end, whose bytes up to `size` are written, to
 * 8 bytes, and counts it in. */
static void commit_record(struct vj_batch_writer *w, struct vj_header *out, uint32_t size)
{
	uint32_t padded = VJ_ALIGN8(size);
	memset((uint8_t *)out + size, 0, padded - size);
	out->size = padded;
	w->used += padded;
	w->count++;
}

/* "c\0b\0a\0" (leaf first, as the kernel walked it) -> "/a/b/c". An empty
 * walk is the root itself. Returns the bytes written. */
static uint32_t write_absolute(uint8_t *out, const uint8_t *leaf_first, uint32_t len)
{
	uint16_t starts[VJ_PATH_MAX / 2 + 1];
	uint16_t lens[VJ_PATH_MAX / 2 + 1];
	uint32_t n = 0, at = 0;

	while (at < len && n < VJ_PATH_MAX / 2 + 1) {
		const uint8_t *end = memchr(leaf_first + at, 0, len - at);
		uint32_t part = end ? (uint32_t)(end - (leaf_first + at)) : len - at;
		starts[n] = at;
		lens[n] = part;
		n++;
		at += part + 1;
	}
	if (n == 0) {
		out[0] = '/';
		return 1;
	}
	uint32_t written = 0;
	while (n-- > 0) {
		out[written++] = '/';
		memcpy(out + written, leaf_first + starts[n], lens[n]);
		written += lens[n];
	}
	return written;
}

static uint32_t append_deleted(uint8_t *out, uint16_t flags, uint16_t flag)
{
	if (!(flags & flag))
		return 0;
	memcpy(out, VJ_DELETED_SUFFIX, sizeof(VJ_DELETED_SUFFIX) - 1);
	return sizeof(VJ_DELETED_SUFFIX) - 1;
}

static uint16_t count_args(const uint8_t *argv, uint32_t len)
{
	uint32_t argc = 0;
	for (uint32_t i = 0; i < len; i++)
		argc += argv[i] == 0;
	if (len > 0 && argv[len - 1] != 0)
		argc++; /* the last argument was cut before its NUL */
	return argc > UINT16_MAX ? UINT16_MAX : argc;
}

static int decode_process(struct vj_batch_writer *w, const struct vj_process *in, size_t len,
			  int64_t boot_to_unix_ns)
{
	if (len < sizeof(*in) || in->h.size > len)
		return -1;
	size_t var = (size_t)in->path_len + in->cwd_len + in->filename_len + in->argv_len;
	if (in->path_len > VJ_PATH_MAX || in->cwd_len > VJ_PATH_MAX ||
	    in->filename_len > VJ_PATH_MAX || in->argv_len > VJ_ARGV_MAX ||
	    sizeof(*in) + var > len)
		return -1;

	struct vj_process *out = (struct vj_process *)(w->buf + w->used);
	memcpy(out, in, sizeof(*in));
	out->h.unix_ns = in->h.ktime_ns + boot_to_unix_ns;

	const uint8_t *src = (const uint8_t *)(in + 1);
	uint8_t *dst = (uint8_t *)(out + 1);
	uint32_t n;

	/* path: empty means unknown (a kernel thread, or an exit after the mm went) */
	if (in->flags & VJ_PF_PATH_AS_GIVEN) {
		memcpy(dst, src, in->path_len);
		n = in->path_len;
	} else if (in->path_len > 0) {
		n = write_absolute(dst, src, in->path_len);
		n += append_deleted(dst + n, in->flags, VJ_PF_PATH_DELETED);
	} else {
		n = 0;
	}
	out->path_len = n;
	dst += n;
	src += in->path_len;

	/* cwd: an empty walk is "/", unless the read failed */
	if (in->cwd_len > 0 || !(in->flags & VJ_PF_CWD_FAULT)) {
		n = write_absolute(dst, src, in->cwd_len);
		n += append_deleted(dst + n, in->flags, VJ_PF_CWD_DELETED);
	} else {
		n = 0;
	}
	out->cwd_len = n;
	dst += n;
	src += in->cwd_len;

	memcpy(dst, src, in->filename_len);
	dst += in->filename_len;
	src += in->filename_len;

	memcpy(dst, src, in->argv_len);
	out->argc = count_args(src, in->argv_len);
	dst += in->argv_len;

	commit_record(w, &out->h, (uint32_t)(dst - (uint8_t *)out));
	return 0;
}

static int decode_cgroup(struct vj_batch_writer *w, const struct vj_cgroup *in, size_t len,
			 int64_t boot_to_unix_ns)
{
	if (len < sizeof(*in) || in->h.size > len || in->path_len > VJ_PATH_MAX ||
	    sizeof(*in) + in->path_len > len)
		return -1;
	struct vj_cgroup *out = (struct vj_cgroup *)(w->buf + w->used);
	memcpy(out, in, sizeof(*in));
	out->h.unix_ns = in->h.ktime_ns + boot_to_unix_ns;
	uint8_t *dst = (uint8_t *)(out + 1);
	uint32_t n = write_absolute(dst, (const uint8_t *)(in + 1), in->path_len);
	out->path_len = n;
	commit_record(w, &out->h, sizeof(*out) + n);
	return 0;
}

static int decode_socket(struct vj_batch_writer *w, const struct vj_socket *in, size_t len,
			 int64_t boot_to_unix_ns)
{
	size_t var = (size_t)in->local_path_len + in->remote_path_len;
	if (len < sizeof(*in) || in->h.size > len || in->local_path_len > VJ_UNIX_PATH_MAX ||
	    in->remote_path_len > VJ_UNIX_PATH_MAX || sizeof(*in) + var > len)
		return -1;
	struct vj_socket *out = (struct vj_socket *)(w->buf + w->used);
	uint32_t size = sizeof(*in) + var;
	memcpy(out, in, size);
	out->h.unix_ns = in->h.ktime_ns + boot_to_unix_ns;
	commit_record(w, &out->h, size);
	return 0;
}

/* Side paths become absolute ("/a/b"); names are kept as the caller gave them. */
static int decode_file(struct vj_batch_writer *w, const struct vj_file *in, size_t len, int64_t boot_to_unix_ns)
{
	if (len < sizeof(*in) || in->h.size > len)
		return -1;
	size_t var = 0;
	for (int i = 0; i < 2; i++) {
		if (in->side[i].path_len > VJ_PATH_MAX || in->side[i].name_len > VJ_PATH_MAX ||
		    in->side[i].levels_len > VJ_PATH_MAX)
			return -1;
		var += (size_t)in->side[i].path_len + in->side[i].name_len + in->side[i].levels_len;
	}
	if (sizeof(*in) + var > len)
		return -1;
	struct vj_file *out = (struct vj_file *)(w->buf + w->used);
	memcpy(out, in, sizeof(*in));
	out->h.unix_ns = in->h.ktime_ns + boot_to_unix_ns;
	const uint8_t *src = (const uint8_t *)(in + 1);
	uint8_t *dst = (uint8_t *)(out + 1);
	for (int i = 0; i < 2; i++) {
		const struct vj_file_side *side = &in->side[i];
		uint32_t n = 0;
		/* an empty walk is "/" unless there was no path at all */
		if (side->path_len > 0 || (side->flags & VJ_SF_WATCHED && !(side->flags & VJ_SF_NAME_RAW)))
			n = write_absolute(dst, src, side->path_len);
		out->side[i].path_len = n;
		dst += n;
		src += side->path_len;
		memcpy(dst, src, side->name_len);
		dst += side->name_len;
		src += side->name_len;
		n = 0;
		if (side->flags & VJ_SF_LEVELS)
			n = write_absolute(dst, src, side->levels_len);
		out->side[i].levels_len = n;
		dst += n;
		src += side->levels_len;
	}
	commit_record(w, &out->h, (uint32_t)(dst - (uint8_t *)out));
	return 0;
}

static int decode_write(struct vj_batch_writer *w, const struct vj_write *in, size_t len, int64_t boot_to_unix_ns)
{
	if (len < sizeof(*in) || in->h.size > len)
		return -1;
	struct vj_write *out = (struct vj_write *)(w->buf + w->used);
	memcpy(out, in, sizeof(*in));
	out->h.unix_ns = in->h.ktime_ns + boot_to_unix_ns;
	commit_record(w, &out->h, sizeof(*in));
	return 0;
}

int vj_decode_record(struct vj_batch_writer *w, const void *data, size_t len, int64_t boot_to_unix_ns)
{
	const struct vj_header *h = data;
	if (len < sizeof(*h))
		return -1;
	switch (h->family) {
	case VJ_FAMILY_PROCESS:
		return decode_process(w, data, len, boot_to_unix_ns);
	case VJ_FAMILY_CGROUP:
		return decode_cgroup(w, data, len, boot_to_unix_ns);
	case VJ_FAMILY_SOCKET:
		return decode_socket(w, data, len, boot_to_unix_ns);
	case VJ_FAMILY_FILE:
		return decode_file(w, data, len, boot_to_unix_ns);
	case VJ_FAMILY_WRITE:
		return decode_write(w, data, len, boot_to_unix_ns);
	default:
		return -1;
	}
}

#define FACT(x) (int32_t)(x)
int vj_layout_facts(int32_t *out, int max)
{
	const int32_t facts[] = {
		FACT(sizeof(struct vj_batch)),
		FACT(offsetof(struct vj_batch, count)),
		FACT(offsetof(struct vj_batch, used)),
		FACT(sizeof(struct vj_header)),
		FACT(offsetof(struct vj_header, size)),
		FACT(offsetof(struct vj_header, family)),
		FACT(offsetof(struct vj_header, op)),
		FACT(offsetof(struct vj_header, ktime_ns)),
		FACT(offsetof(struct vj_header, unix_ns)),
		FACT(sizeof(struct vj_process)),
		FACT(offsetof(struct vj_process, cgroup_id)),
		FACT(offsetof(struct vj_process, duration_ns)),
		FACT(offsetof(struct vj_process, start_ns)),
		FACT(offsetof(struct vj_process, pid)),
		FACT(offsetof(struct vj_process, tid)),
		FACT(offsetof(struct vj_process, ppid)),
		FACT(offsetof(struct vj_process, uid)),
		FACT(offsetof(struct vj_process, gid)),
		FACT(offsetof(struct vj_process, euid)),
		FACT(offsetof(struct vj_process, egid)),
		FACT(offsetof(struct vj_process, suid)),
		FACT(offsetof(struct vj_process, sgid)),
		FACT(offsetof(struct vj_process, fsuid)),
		FACT(offsetof(struct vj_process, fsgid)),
		FACT(offsetof(struct vj_process, auid)),
		FACT(offsetof(struct vj_process, exit_code)),
		FACT(offsetof(struct vj_process, exit_signal)),
		FACT(offsetof(struct vj_process, argv_true_len)),
		FACT(offsetof(struct vj_process, flags)),
		FACT(offsetof(struct vj_process, argc)),
		FACT(offsetof(struct vj_process, path_len)),
		FACT(offsetof(struct vj_process, cwd_len)),
		FACT(offsetof(struct vj_process, filename_len)),
		FACT(offsetof(struct vj_process, argv_len)),
		FACT(offsetof(struct vj_process, comm)),
		FACT(VJ_COMM_LEN),
		FACT(offsetof(struct vj_process, pid_ns)),
		FACT(offsetof(struct vj_process, cgroup_v1_id)),
		FACT(offsetof(struct vj_process, ns_pid)),
		FACT(sizeof(struct vj_cgroup)),
		FACT(offsetof(struct vj_cgroup, id)),
		FACT(offsetof(struct vj_cgroup, hierarchy)),
		FACT(offsetof(struct vj_cgroup, path_len)),
		FACT(offsetof(struct vj_cgroup, flags)),
		FACT(VJ_ABI_VERSION),
		/* struct vj_socket: SocketRecordLayout.FACTS */
		FACT(sizeof(struct vj_socket)),
		FACT(offsetof(struct vj_socket, cgroup_id)),
		FACT(offsetof(struct vj_socket, cgroup_v1_id)),
		FACT(offsetof(struct vj_socket, duration_ns)),
		FACT(offsetof(struct vj_socket, bytes_sent)),
		FACT(offsetof(struct vj_socket, bytes_received)),
		FACT(offsetof(struct vj_socket, lifetime_ns)),
		FACT(offsetof(struct vj_socket, pid)),
		FACT(offsetof(struct vj_socket, tid)),
		FACT(offsetof(struct vj_socket, ppid)),
		FACT(offsetof(struct vj_socket, uid)),
		FACT(offsetof(struct vj_socket, gid)),
		FACT(offsetof(struct vj_socket, ret)),
		FACT(offsetof(struct vj_socket, fd)),
		FACT(offsetof(struct vj_socket, netns)),
		FACT(offsetof(struct vj_socket, pid_ns)),
		FACT(offsetof(struct vj_socket, ns_pid)),
		FACT(offsetof(struct vj_socket, family)),
		FACT(offsetof(struct vj_socket, type)),
		FACT(offsetof(struct vj_socket, protocol)),
		FACT(offsetof(struct vj_socket, flags)),
		FACT(offsetof(struct vj_socket, local_port)),
		FACT(offsetof(struct vj_socket, remote_port)),
		FACT(offsetof(struct vj_socket, local_path_len)),
		FACT(offsetof(struct vj_socket, remote_path_len)),
		FACT(offsetof(struct vj_socket, local_addr)),
		FACT(offsetof(struct vj_socket, remote_addr)),
		FACT(offsetof(struct vj_socket, comm)),
		FACT(offsetof(struct vj_socket, sock_id)),
		FACT(sizeof(struct vj_file)),
		FACT(offsetof(struct vj_file, cgroup_id)),
		FACT(offsetof(struct vj_file, cgroup_v1_id)),
		FACT(offsetof(struct vj_file, ino)),
		FACT(offsetof(struct vj_file, size)),
		FACT(offsetof(struct vj_file, atime_ns)),
		FACT(offsetof(struct vj_file, mtime_ns)),
		FACT(offsetof(struct vj_file, ctime_ns)),
		FACT(offsetof(struct vj_file, dev)),
		FACT(offsetof(struct vj_file, mode)),
		FACT(offsetof(struct vj_file, file_uid)),
		FACT(offsetof(struct vj_file, file_gid)),
		FACT(offsetof(struct vj_file, pid)),
		FACT(offsetof(struct vj_file, tid)),
		FACT(offsetof(struct vj_file, ppid)),
		FACT(offsetof(struct vj_file, uid)),
		FACT(offsetof(struct vj_file, gid)),
		FACT(offsetof(struct vj_file, euid)),
		FACT(offsetof(struct vj_file, egid)),
		FACT(offsetof(struct vj_file, auid)),
		FACT(offsetof(struct vj_file, pid_ns)),
		FACT(offsetof(struct vj_file, ns_pid)),
		FACT(offsetof(struct vj_file, ret)),
		FACT(offsetof(struct vj_file, fd)),
		FACT(offsetof(struct vj_file, open_flags)),
		FACT(offsetof(struct vj_file, f_mode)),
		FACT(offsetof(struct vj_file, syscall)),
		FACT(offsetof(struct vj_file, flags)),
		FACT(offsetof(struct vj_file, side)),
		FACT(offsetof(struct vj_file, comm)),
		FACT(sizeof(struct vj_file_side)),
		FACT(offsetof(struct vj_file_side, root_ino)),
		FACT(offsetof(struct vj_file_side, root_dev)),
		FACT(offsetof(struct vj_file_side, depth)),
		FACT(offsetof(struct vj_file_side, name_skip)),
		FACT(offsetof(struct vj_file_side, path_len)),
		FACT(offsetof(struct vj_file_side, name_len)),
		FACT(offsetof(struct vj_file_side, flags)),
		FACT(offsetof(struct vj_file_side, levels_len)),
		FACT(sizeof(struct vj_write)),
		FACT(offsetof(struct vj_write, cgroup_id)),
		FACT(offsetof(struct vj_write, cgroup_v1_id)),
		FACT(offsetof(struct vj_write, ino)),
		FACT(offsetof(struct vj_write, offset)),
		FACT(offsetof(struct vj_write, bytes)),
		FACT(offsetof(struct vj_write, dev)),
		FACT(offsetof(struct vj_write, pid)),
		FACT(offsetof(struct vj_write, tid)),
		FACT(offsetof(struct vj_write, ppid)),
		FACT(offsetof(struct vj_write, uid)),
		FACT(offsetof(struct vj_write, gid)),
		FACT(offsetof(struct vj_write, pid_ns)),
		FACT(offsetof(struct vj_write, ns_pid)),
		FACT(offsetof(struct vj_write, fd)),
		FACT(offsetof(struct vj_write, comm)),
	};
	int n = (int)(sizeof(facts) / sizeof(facts[0]));
	if (n > max)
		n = max;
	memcpy(out, facts, n * sizeof(facts[0]));
	return n;
}
