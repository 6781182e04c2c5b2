package io.vajra.osquery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.transport.TIOStreamTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * A Thrift transport over a UNIX stream socket (libthrift has none), on the JDK's
 * {@link SocketChannel}. Unframed and buffered, as osquery's C++ side speaks it: flush()
 * sends the buffered message.
 *
 * <p>Threading: one connection per thread, as Thrift clients and servers use them.
 */
public final class UnixSocketTransport extends TIOStreamTransport {
    private static final int BUFFER_BYTES = 64 * 1024;
    private final SocketChannel channel;

    /** Wraps an accepted connection. */
    UnixSocketTransport(SocketChannel channel) throws TTransportException {
        super(new TConfiguration(), new BufferedInputStream(Channels.newInputStream(channel), BUFFER_BYTES),
                new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES));
        this.channel = channel;
    }

    /** Connects to the socket at {@code path}. */
    public static UnixSocketTransport connect(Path path) throws TTransportException {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(path));
            return new UnixSocketTransport(channel);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new TTransportException(TTransportException.NOT_OPEN,
                    "cannot connect to " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void open() {
        // Connected at construction.
    }

    @Override
    public void close() {
        super.close();
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing: nothing left to do
            }
        }
    }
}
