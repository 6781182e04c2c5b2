package io.vajra.testing;

import io.vajra.bpf.ProcessRecordLayout;
import io.vajra.container.CgroupContext;
import io.vajra.event.ProcessEvent;
import java.nio.charset.StandardCharsets;

/** Builds ProcessEvents for unit tests; defaults describe a successful execve by root. */
public final class ProcessEventBuilder {
    public static final long BOOT_TO_UNIX = 1_700_000_000_000_000_000L;

    private int op = ProcessRecordLayout.OP_EXECVE;
    private long kernelNanos = 5_000_000_000L;
    private long unixNanos = BOOT_TO_UNIX + 5_000_000_000L;
    private long cgroupId = 4242;
    private long durationNanos = 1234;
    private long startBootNanos = 4_500_000_000L;
    private int pid = 100;
    private int tid = 100;
    private int ppid = 1;
    private int uid;
    private int gid;
    private int exitCode;
    private int exitSignal;
    private int flags;
    private byte[] comm = padded("ls");
    private byte[] path = bytes("/usr/bin/ls");
    private byte[] cwd = bytes("/root");
    private byte[] filename = bytes("/bin/ls");
    private byte[] argv = bytes("ls\0-l\0");
    private int argc = 2;
    private long argvTrueLength = 6;
    private int pidNs = (int) 4026531836L;
    private int nsPid = 100;
    private CgroupContext cgroup = new CgroupContext("/", "", "", "");

    public static ProcessEventBuilder exec() {
        return new ProcessEventBuilder();
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] padded(String s) {
        byte[] out = new byte[ProcessRecordLayout.COMM_LEN];
        byte[] in = bytes(s);
        System.arraycopy(in, 0, out, 0, Math.min(in.length, out.length - 1));
        return out;
    }

    public ProcessEventBuilder op(int value) {
        op = value;
        return this;
    }

    /** Both clocks move together, as they do in native's decoder. */
    public ProcessEventBuilder atBootNanos(long value) {
        kernelNanos = value;
        unixNanos = BOOT_TO_UNIX + value;
        return this;
    }

    public ProcessEventBuilder unixNanos(long value) {
        unixNanos = value;
        return this;
    }

    public ProcessEventBuilder startBootNanos(long value) {
        startBootNanos = value;
        return this;
    }

    public ProcessEventBuilder pid(int value) {
        pid = value;
        tid = value;
        return this;
    }

    public ProcessEventBuilder uid(int value) {
        uid = value;
        return this;
    }

    public ProcessEventBuilder exitCode(int value) {
        exitCode = value;
        return this;
    }

    public ProcessEventBuilder exitSignal(int value) {
        exitSignal = value;
        return this;
    }

    public ProcessEventBuilder flags(int value) {
        flags = value;
        return this;
    }

    public ProcessEventBuilder path(String value) {
        path = bytes(value);
        return this;
    }

    public ProcessEventBuilder cwd(String value) {
        cwd = bytes(value);
        return this;
    }

    public ProcessEventBuilder filename(String value) {
        filename = bytes(value);
        return this;
    }

    public ProcessEventBuilder argv(byte[] value, int count) {
        argv = value;
        argc = count;
        argvTrueLength = value.length;
        return this;
    }

    public ProcessEventBuilder argvTrueLength(long value) {
        argvTrueLength = value;
        return this;
    }

    public ProcessEvent build() {
        return new ProcessEvent(op, kernelNanos, unixNanos, cgroupId, durationNanos, startBootNanos,
                pid, tid, ppid, uid, gid, uid, gid, uid, gid, uid, gid, -1, exitCode, exitSignal,
                argvTrueLength, flags, argc, comm, path, cwd, filename, argv,
                0L, pidNs, nsPid, cgroup);
    }

    public ProcessEventBuilder cgroup(CgroupContext value) {
        cgroup = value;
        return this;
    }

    public ProcessEventBuilder pidNamespace(int ns, int pidInside) {
        pidNs = ns;
        nsPid = pidInside;
        return this;
    }
}
