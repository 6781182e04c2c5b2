package io.vajra.osquery;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.thrift.transport.TServerTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * Listens on a UNIX stream socket and hands each accepted connection to a Thrift server
 * as a {@link UnixSocketTransport}. The socket file is removed on close.
 */
public final class UnixServerTransport extends TServerTransport {
    private final Path path;
    private ServerSocketChannel server;

    public UnixServerTransport(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    @Override
    public void listen() throws TTransportException {
        try {
            // A stale socket file from a process that died would make bind fail.
            Files.deleteIfExists(path);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            throw new TTransportException(TTransportException.NOT_OPEN,
                    "cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public UnixSocketTransport accept() throws TTransportException {
        if (server == null) {
            throw new TTransportException(TTransportException.NOT_OPEN, "not listening on " + path);
        }
        try {
            SocketChannel client = server.accept();
            return new UnixSocketTransport(client);
        } catch (IOException e) {
            throw new TTransportException(TTransportException.END_OF_FILE, "accept on " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing: nothing left to do
            }
            server = null;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // someone else removed or replaced it
        }
    }

    @Override
    public void interrupt() {
        close();
    }
}
