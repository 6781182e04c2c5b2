package io.vajra.osquery;

import io.vajra.osquery.thrift.ExtensionManager;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.transport.TTransportException;

/**
 * Calls osqueryd's extension manager, one new connection per call (as osquery's own SDKs do:
 * nothing to keep alive or to recover after osqueryd restarts its listener).
 *
 * <p>Every call has a deadline: a UNIX socket has no read timeout, so a timer closes the
 * channel when the deadline passes, which wakes the blocked read. A connection that cannot
 * even be opened is reported as {@link ManagerUnreachableException}, the sign that osqueryd
 * is gone.
 *
 * <p>Thread-safe.
 */
public final class ManagerClient implements AutoCloseable {
    /** One or more Thrift calls made over one connection. */
    @FunctionalInterface
    public interface Call<T> {
        T apply(ExtensionManager.Client manager) throws TException;
    }

    private final Path socket;
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vajra-manager-deadline");
        t.setDaemon(true);
        return t;
    });

    public ManagerClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /**
     * Connects, runs {@code call}, disconnects.
     *
     * @throws ManagerUnreachableException when the socket accepts no connection
     * @throws TException                  when the call fails or passes its deadline
     */
    public <T> T call(Duration deadline, Call<T> call) throws TException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new TTransportException(TTransportException.UNKNOWN, "cannot open a socket: " + e.getMessage(), e);
        }
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> alarm = deadlines.schedule(() -> {
            expired.set(true);
            closeQuietly(channel);
        }, deadline.toNanos(), TimeUnit.NANOSECONDS);
        try {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                if (expired.get()) {
                    throw timedOut(deadline, e);
                }
                throw new ManagerUnreachableException("cannot connect to " + socket + ": " + e.getMessage(), e);
            }
            UnixSocketTransport transport = new UnixSocketTransport(channel);
            try {
                return call.apply(new ExtensionManager.Client(new TBinaryProtocol(transport)));
            } catch (TException | RuntimeException e) {
                // A closed stream can surface as almost anything; the deadline explains it.
                if (expired.get()) {
                    throw timedOut(deadline, e);
                }
                throw e;
            } finally {
                transport.close();
            }
        } finally {
            alarm.cancel(false);
            closeQuietly(channel);
        }
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
    }

    private TTransportException timedOut(Duration deadline, Exception cause) {
        return new TTransportException(TTransportException.TIMED_OUT,
                "osquery's extension manager at " + socket + " did not answer within " + seconds(deadline), cause);
    }

    static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}
