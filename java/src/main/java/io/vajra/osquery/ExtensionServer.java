package io.vajra.osquery;

import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.thrift.TProcessor;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TProtocolUtil;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerTransport;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * Serves the extension's Thrift service on its UNIX socket: binary protocol, unframed, a
 * pool of threads because osqueryd opens a connection per call and several at once.
 *
 * <p>{@link #start} binds before it returns, so callers may announce the extension as soon
 * as it does. {@link #close} stops accepting, removes the socket file and does not wait for
 * connections osqueryd keeps open.
 */
final class ExtensionServer implements AutoCloseable {
    private static final int WORKER_THREADS = 32;
    private static final int QUEUED_CONNECTIONS = 1024;
    /** Requests are small (a query context); answers are not limited by these. */
    private static final long MAX_REQUEST_STRING_BYTES = 16L << 20;
    private static final long MAX_REQUEST_CONTAINER_ITEMS = 1L << 20;
    /** osquery's messages nest a few levels; a frame nesting thousands of unknown structs
     *  would otherwise recurse in libthrift's skip() until the worker's stack overflows. */
    private static final int MAX_SKIP_DEPTH = 64;

    static {
        TProtocolUtil.setMaxSkipDepth(MAX_SKIP_DEPTH);
    }

    private final Path socket;
    private final UnixServerTransport transport;
    private final TThreadPoolServer server;
    private final Thread serveThread;

    private ExtensionServer(Path socket, UnixServerTransport transport, TThreadPoolServer server) {
        this.socket = socket;
        this.transport = transport;
        this.server = server;
        this.serveThread = new Thread(server::serve, "vajra-extension-server");
        this.serveThread.setDaemon(true);
    }

    /** @throws TTransportException when the socket cannot be bound (the message says why) */
    static ExtensionServer start(Path socket, TProcessor processor) throws TTransportException {
        UnixServerTransport transport = new UnixServerTransport(socket);
        transport.listen();
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(WORKER_THREADS, WORKER_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUED_CONNECTIONS), r -> {
                    Thread t = new Thread(r, "vajra-extension-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        workers.allowCoreThreadTimeOut(true);
        TThreadPoolServer server = new TThreadPoolServer(new TThreadPoolServer.Args(new AlreadyListening(transport))
                .processor(processor)
                .protocolFactory(new TBinaryProtocol.Factory(MAX_REQUEST_STRING_BYTES, MAX_REQUEST_CONTAINER_ITEMS))
                .executorService(workers)
                .stopTimeoutVal(1)
                .stopTimeoutUnit(TimeUnit.SECONDS));
        ExtensionServer started = new ExtensionServer(socket, transport, server);
        started.serveThread.start();
        return started;
    }

    Path socket() {
        return socket;
    }

    @Override
    public void close() {
        server.stop();
        transport.close(); // wakes the accept and removes the socket file
        try {
            // Workers are daemon threads: no need to wait for connections osqueryd left open.
            serveThread.join(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The server calls listen() again in serve(); binding twice would replace the socket. */
    private static final class AlreadyListening extends TServerTransport {
        private final UnixServerTransport bound;

        AlreadyListening(UnixServerTransport bound) {
            this.bound = bound;
        }

        @Override
        public void listen() {
            // bound in start()
        }

        @Override
        public TTransport accept() throws TTransportException {
            return bound.accept();
        }

        @Override
        public void close() {
            bound.close();
        }

        @Override
        public void interrupt() {
            bound.interrupt();
        }
    }
}
