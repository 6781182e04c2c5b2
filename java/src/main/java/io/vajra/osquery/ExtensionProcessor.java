package io.vajra.osquery;

import io.vajra.osquery.thrift.Extension;
import io.vajra.osquery.thrift.ExtensionResponse;
import org.apache.thrift.ProcessFunction;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.TProcessor;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolException;
import org.apache.thrift.protocol.TProtocolUtil;
import org.apache.thrift.protocol.TType;

/**
 * Dispatches the {@code Extension} service's messages: {@code call} is answered through
 * {@link ResponseWriter} (large responses, fast path), {@code ping} and {@code shutdown} by
 * the generated processor. After a {@code shutdown()} has been answered, runs the stop
 * action, so osqueryd gets its reply before the extension goes away.
 *
 * <p>Thread-safe: the server runs one connection per thread.
 */
final class ExtensionProcessor implements TProcessor {
    private static final String CALL = "call";

    private final ExtensionHandler handler;
    private final Extension.Processor<ExtensionHandler> generated;
    private final Runnable onShutdown;

    ExtensionProcessor(ExtensionHandler handler, Runnable onShutdown) {
        this.handler = handler;
        this.generated = new Extension.Processor<>(handler);
        this.onShutdown = onShutdown;
    }

    @Override
    public void process(TProtocol in, TProtocol out) throws TException {
        try {
            TMessage message = in.readMessageBegin();
            if (CALL.equals(message.name)) {
                processCall(message.seqid, in, out);
                return;
            }
            @SuppressWarnings("unchecked")
            ProcessFunction<ExtensionHandler, TBase<?, ?>> function =
                    (ProcessFunction<ExtensionHandler, TBase<?, ?>>) generated.getProcessMapView().get(message.name);
            if (function == null) {
                TProtocolUtil.skip(in, TType.STRUCT);
                in.readMessageEnd();
                writeException(out, message, new TApplicationException(TApplicationException.UNKNOWN_METHOD,
                        "Invalid method name: '" + message.name + "'"));
                return;
            }
            function.process(message.seqid, in, out, handler);
        } finally {
            if (handler.takeShutdownRequest()) {
                onShutdown.run();
            }
        }
    }

    /** As the generated ProcessFunction does it, with the reply written by ResponseWriter. */
    private void processCall(int seqid, TProtocol in, TProtocol out) throws TException {
        Extension.call_args args = new Extension.call_args();
        try {
            args.read(in);
        } catch (TProtocolException e) {
            in.readMessageEnd();
            writeException(out, new TMessage(CALL, TMessageType.CALL, seqid),
                    new TApplicationException(TApplicationException.PROTOCOL_ERROR, e.getMessage()));
            return;
        }
        in.readMessageEnd();
        ExtensionResponse response = handler.call(args.getRegistry(), args.getItem(), args.getRequest());
        ResponseWriter.writeCallReply(out, seqid, response);
    }

    private static void writeException(TProtocol out, TMessage message, TApplicationException error) throws TException {
        out.writeMessageBegin(new TMessage(message.name, TMessageType.EXCEPTION, message.seqid));
        error.write(out);
        out.writeMessageEnd();
        out.getTransport().flush();
    }
}
