// SPDX-License-Identifier: Apache-2.0
/*
 * JNI glue for io.vajra.bpf.NativeProbes. Natives are registered in
 * JNI_OnLoad (the only exported symbol). Batches travel in Java-owned direct
 * ByteBuffers: one call per batch, never per event.
 */
#include "batch.h"
#include "errors.h"
#include "session.h"

#include <jni.h>
#include <stdint.h>
#include <string.h>

#define NATIVE_CLASS "io/vajra/bpf/NativeProbes"
#define PROBE_EXCEPTION "io/vajra/bpf/ProbeException"

static void throw_probe_exception(JNIEnv *env, const char *message)
{
	jclass cls = (*env)->FindClass(env, PROBE_EXCEPTION);
	if (cls)
		(*env)->ThrowNew(env, cls, message);
}

static jintArray layout_facts(JNIEnv *env, jclass cls)
{
	(void)cls;
	int32_t facts[256];
	int n = vj_layout_facts(facts, 256);
	jintArray out = (*env)->NewIntArray(env, n);
	if (out)
		(*env)->SetIntArrayRegion(env, out, 0, n, facts);
	return out;
}

static jint batch_record_max(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	return (jint)(sizeof(struct vj_batch) + VJ_BATCH_RECORD_MAX);
}

static jlong open_session(JNIEnv *env, jclass cls, jint ring_bytes, jint argv_cap, jboolean failed_execs,
			  jboolean containers, jboolean sockets, jboolean files)
{
	(void)cls;
	char err[VJ_ERROR_MAX]; /* per call: two threads may open at once */
	struct vj_settings settings = {
		.ring_bytes = (uint32_t)ring_bytes,
		.argv_cap = (uint32_t)argv_cap,
		.failed_execs = failed_execs,
		.containers = containers,
		.sockets = sockets,
		.files = files,
	};
	struct vj_session *s = vj_session_open(&settings, err, sizeof(err));
	if (!s) {
		throw_probe_exception(env, err);
		return 0;
	}
	return (jlong)(uintptr_t)s;
}

static jint poll_session(JNIEnv *env, jclass cls, jlong handle, jobject buffer, jint timeout_ms)
{
	(void)cls;
	void *buf = (*env)->GetDirectBufferAddress(env, buffer);
	jlong cap = (*env)->GetDirectBufferCapacity(env, buffer);
	if (!buf || cap <= 0 || cap > INT32_MAX) {
		throw_probe_exception(env, "poll needs a direct ByteBuffer");
		return -1;
	}
	int used = vj_session_poll((struct vj_session *)(uintptr_t)handle, buf, (uint32_t)cap, timeout_ms);
	if (used < 0)
		throw_probe_exception(env, "polling the ring buffers failed");
	return used;
}

static jlongArray read_counters(JNIEnv *env, jclass cls, jlong handle)
{
	(void)cls;
	uint64_t values[VJ_COUNTERS];
	vj_session_counters((struct vj_session *)(uintptr_t)handle, values);
	jlongArray out = (*env)->NewLongArray(env, VJ_COUNTERS);
	if (out)
		(*env)->SetLongArrayRegion(env, out, 0, VJ_COUNTERS, (const jlong *)values);
	return out;
}

static void watch_files(JNIEnv *env, jclass cls, jlong handle, jlongArray roots, jlongArray steps,
			jboolean accesses)
{
	(void)cls;
	char err[VJ_ERROR_MAX];
	jsize nroots = (*env)->GetArrayLength(env, roots), nsteps = (*env)->GetArrayLength(env, steps);
	jlong *r = (*env)->GetLongArrayElements(env, roots, NULL);
	jlong *st = (*env)->GetLongArrayElements(env, steps, NULL);
	int rc = r && st ? vj_session_watch_files((struct vj_session *)(uintptr_t)handle, (const uint64_t *)r,
						  nroots / 3, (const uint64_t *)st, nsteps / 5, accesses, err,
						  sizeof(err))
			 : -1;
	if (r)
		(*env)->ReleaseLongArrayElements(env, roots, r, JNI_ABORT);
	if (st)
		(*env)->ReleaseLongArrayElements(env, steps, st, JNI_ABORT);
	if (rc)
		throw_probe_exception(env, r && st ? err : "out of memory");
}

static void watch_logs(JNIEnv *env, jclass cls, jlong handle, jlongArray dirs)
{
	(void)cls;
	char err[VJ_ERROR_MAX];
	jsize n = (*env)->GetArrayLength(env, dirs);
	jlong *d = (*env)->GetLongArrayElements(env, dirs, NULL);
	int rc = d ? vj_session_watch_logs((struct vj_session *)(uintptr_t)handle, (const uint64_t *)d, n / 2, err,
					   sizeof(err))
		   : -1;
	if (d)
		(*env)->ReleaseLongArrayElements(env, dirs, d, JNI_ABORT);
	if (rc)
		throw_probe_exception(env, d ? err : "out of memory");
}

static void close_session(JNIEnv *env, jclass cls, jlong handle)
{
	(void)env;
	(void)cls;
	vj_session_close((struct vj_session *)(uintptr_t)handle);
}

static const JNINativeMethod methods[] = {
	{"layoutFacts", "()[I", (void *)layout_facts},
	{"batchRecordMax", "()I", (void *)batch_record_max},
	{"open", "(IIZZZZ)J", (void *)open_session},
	{"poll", "(JLjava/nio/ByteBuffer;I)I", (void *)poll_session},
	{"counters", "(J)[J", (void *)read_counters},
	{"watchFiles", "(J[J[JZ)V", (void *)watch_files},
	{"watchLogs", "(J[J)V", (void *)watch_logs},
	{"close", "(J)V", (void *)close_session},
};

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
	(void)reserved;
	JNIEnv *env;
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
		return JNI_ERR;
	jclass cls = (*env)->FindClass(env, NATIVE_CLASS);
	if (!cls)
		return JNI_ERR;
	if ((*env)->RegisterNatives(env, cls, methods, sizeof(methods) / sizeof(methods[0])))
		return JNI_ERR;
	vj_capture_libbpf_log();
	return JNI_VERSION_1_8;
}
