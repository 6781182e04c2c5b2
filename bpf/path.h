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

#define VJ_ONES 0x0101010101010101ULL
#define VJ_HIGHS 0x8080808080808080ULL

/*
 * A dentry's name, NUL-ended, at dst; returns its size with the NUL, <= 0 on a
 * fault. Copied a word at a time with direct loads (to the verifier the name is
 * untrusted read-only memory, fault-safe at any offset): no helper call, and no
 * byte-by-byte copy. The words may reach past the name; only len + 1 bytes count.
 * A name with a NUL within its length (a rename raced the read of name and len)
 * is read again up to its NUL, as before.
 */
static __always_inline long copy_name(__u8 *dst, struct dentry *d)
{
	const __u64 *name = (const __u64 *)d->d_name.name;
	__u32 len = d->d_name.len;
	if (len >= VJ_NAME_MAX)
		return bpf_probe_read_kernel_str(dst, VJ_NAME_MAX, d->d_name.name);
	__u32 full = len / 8; /* words wholly within the name */
	__u64 zeros = 0;
	for (__u32 i = 0; i < VJ_NAME_MAX / 8 - 1; i++) {
		if (i >= full)
			break;
		__u64 word = name[i];
		((__u64 *)dst)[i] = word;
		zeros |= (word - VJ_ONES) & ~word & VJ_HIGHS;
	}
	/* the last word: the name's remaining bytes, then what follows (not checked) */
	__u32 tail = full & (VJ_NAME_MAX / 8 - 1);
	__u64 word = name[tail];
	((__u64 *)dst)[tail] = word;
	word |= ~0ULL << ((len & 7) * 8);
	zeros |= (word - VJ_ONES) & ~word & VJ_HIGHS;
	if (zeros)
		return bpf_probe_read_kernel_str(dst, VJ_NAME_MAX, d->d_name.name);
	dst[len & (VJ_NAME_MAX - 1)] = 0;
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
