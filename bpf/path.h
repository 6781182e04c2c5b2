/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resolving a struct path to its name without bpf_d_path (which tracepoints
 * may not call): walk the dentries up to the root, crossing mount points, and
 * write the names leaf first, each NUL-terminated (see events.h).
 */
#ifndef VAJRA_PATH_H
#define VAJRA_PATH_H

#include "common.h"

/* Deeper paths are cut at the top and flagged as truncated. */
#define VJ_PATH_DEPTH 128
/* Process records keep their paths below this offset (argv follows). */
#define VJ_PATH_SCRATCH_END (sizeof(struct vj_process) + 3 * VJ_PATH_MAX)

static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((char *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* A deleted file or directory keeps its name but is no longer hashed. */
static __always_inline bool dentry_unlinked(struct dentry *dentry)
{
	struct dentry *d = VJ_BTF(struct dentry, dentry);
	return d->d_hash.pprev == NULL && d->d_parent != dentry;
}

/* Names shorter than this are copied with direct loads (see copy_name). */
#define VJ_SHORT_NAME 32

/* The word at `at` of a name `len` bytes long, its bytes past the name set (so that
 * only the name's own bytes can read as NUL); branch-free, for the verifier's sake. */
static __always_inline __u64 name_bytes_only(__u64 word, __u32 len, __u32 at)
{
	__s32 left = (__s32)len - (__s32)(at * 8);
	left &= ~(left >> 31);           /* at least 0 */
	__s32 over = left - 8;
	left = 8 + (over & (over >> 31)); /* at most 8 */
	return word | ((~0ULL << (left * 4)) << (left * 4));
}

#define VJ_HAS_ZERO_BYTE(w) (((w) - 0x0101010101010101ULL) & ~(w) & 0x8080808080808080ULL)

/*
 * A dentry's name, NUL-ended, at dst; returns its size with the NUL, <= 0 on a
 * fault. A short name (most are) is copied as four words with direct loads: to the
 * verifier the name is untrusted read-only memory, fault-safe at any offset, so
 * there is no helper call and no byte-by-byte copy. The words may reach past the
 * name (within the dentry's inline name); only len + 1 bytes count. Straight-line
 * code: a loop over the words made the verifier walk every length, and the file
 * programs took seconds to load. A longer name, or one with a NUL within its length
 * (a rename raced the read of name and len), is read up to its NUL with the helper.
 */
static __always_inline long copy_name(__u8 *dst, struct dentry *d)
{
	__u32 len = d->d_name.len;
	const __u64 *name = (const __u64 *)d->d_name.name;
	if (len >= VJ_SHORT_NAME)
		return bpf_probe_read_kernel_str(dst, VJ_NAME_MAX, name);
	__u64 *out = (__u64 *)dst;
	__u64 w0 = name[0], w1 = name[1], w2 = name[2], w3 = name[3];
	out[0] = w0;
	out[1] = w1;
	out[2] = w2;
	out[3] = w3;
	__u64 zeros = VJ_HAS_ZERO_BYTE(name_bytes_only(w0, len, 0)) |
		      VJ_HAS_ZERO_BYTE(name_bytes_only(w1, len, 1)) |
		      VJ_HAS_ZERO_BYTE(name_bytes_only(w2, len, 2)) |
		      VJ_HAS_ZERO_BYTE(name_bytes_only(w3, len, 3));
	if (zeros)
		return bpf_probe_read_kernel_str(dst, VJ_NAME_MAX, name);
	dst[len & (VJ_SHORT_NAME - 1)] = 0;
	return len + 1;
}

/* State of one walk, shared with the bpf_loop callback. The walk runs under
 * bpf_loop because an unrolled or bounded loop with mount crossings makes the
 * verifier explore too many states (over the 1M instruction limit). */
struct path_walk {
	__u8 *buf;          /* scratch record */
	__u32 base;         /* where this path starts in buf */
	__u32 len;
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u16 flags;
	__u16 truncated_flag;
	__u16 fault_flag;
	__u16 plain_names;  /* names written before the first mount crossing */
	bool crossed;
	bool done;
};

/* Fields are read with direct loads through casts (see VJ_BTF): a level costs
 * one helper call, for the name, instead of four. */
static long walk_one_dentry(__u32 i, struct path_walk *w)
{
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;

	if (dentry == w->root_dentry && vfsmnt == w->root_mnt)
		goto done;
	struct dentry *d = VJ_BTF(struct dentry, dentry);
	struct dentry *parent = d->d_parent;
	if (dentry == VJ_BTF(struct vfsmount, vfsmnt)->mnt_root || dentry == parent) {
		struct mount *mnt = VJ_BTF(struct mount, real_mount(vfsmnt));
		struct mount *mnt_parent = mnt->mnt_parent;
		if (mnt_parent == mnt || !mnt_parent)
			goto done; /* top of this mount tree */
		w->dentry = mnt->mnt_mountpoint;
		w->vfsmnt = (struct vfsmount *)((char *)mnt_parent + bpf_core_field_offset(struct mount, mnt));
		w->crossed = true;
		return 0;
	}
	__u32 at = w->base + w->len;
	if (w->len > VJ_PATH_MAX - VJ_NAME_MAX || at > VJ_SCRATCH_SIZE - VJ_NAME_MAX) {
		w->flags |= w->truncated_flag;
		goto done;
	}
	long n = copy_name(w->buf + at, d);
	if (n <= 0) {
		w->flags |= w->fault_flag;
		goto done;
	}
	w->len += n;
	if (!w->crossed)
		w->plain_names++;
	w->dentry = parent;
	return 0;
done:
	w->done = true;
	return 1;
}

/*
 * Writes up to VJ_PATH_MAX bytes at buf + base and returns how many. Stops at
 * `root` (the process's root, so chroots and containers see their own view)
 * or at the top of the mount tree. On a cut or a failed read the matching
 * flag is set and what was read so far is kept.
 */
static __always_inline __u32 read_path_plain(__u8 *buf, __u32 base, struct path *path, struct path *root,
					     __u16 *flags, __u16 truncated_flag, __u16 fault_flag,
					     __u32 *plain_names)
{
	struct path_walk w = {
		.buf = buf,
		.base = base,
		.dentry = path->dentry,
		.vfsmnt = path->mnt,
		.root_dentry = root->dentry,
		.root_mnt = root->mnt,
		.truncated_flag = truncated_flag,
		.fault_flag = fault_flag,
	};
	if (!w.dentry || !w.vfsmnt) {
		*flags |= fault_flag;
		return 0;
	}
	bpf_loop(VJ_PATH_DEPTH, walk_one_dentry, &w, 0);
	if (!w.done)
		w.flags |= truncated_flag;
	*flags |= w.flags;
	*plain_names = w.plain_names;
	return w.len > VJ_PATH_MAX ? VJ_PATH_MAX : w.len;
}

static __always_inline __u32 read_path(__u8 *buf, __u32 base, struct path *path, struct path *root,
				       __u16 *flags, __u16 truncated_flag, __u16 fault_flag)
{
	__u32 plain_names;
	return read_path_plain(buf, base, path, root, flags, truncated_flag, fault_flag, &plain_names);
}

#endif /* VAJRA_PATH_H */
