package dev.caravan.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/2 frames written and read by hand over TLS (ALPN h2), for requests no well-behaved client library
 * would send: malformed heads, frames on closed streams. Header blocks are HPACK literals without
 * indexing or Huffman coding, so any byte can be sent; frames read are returned raw.
 */
public final class RawHttp2 implements AutoCloseable {

    public static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
            WINDOW_UPDATE = 8, CONTINUATION = 9;
    public static final int END_STREAM = 0x1, END_HEADERS = 0x4;

    /** One frame as read; {@code type} -1 when the connection ended. */
    public record Frame(int type, int flags, int stream, byte[] payload) {

        /** The error code of a RST_STREAM or GOAWAY. */
        public int errorCode() {
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            return type == GOAWAY ? buffer.getInt(4) : buffer.getInt(0);
        }
    }

    private final SSLSocket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private RawHttp2(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects, sends the preface and empty SETTINGS. */
    public static RawHttp2 connect(int port, String serverName) throws IOException {
        return connect(port, serverName, TlsClient.trustAll());
    }

    /** Connects with this TLS context (a client certificate, say), sends the preface and empty SETTINGS. */
    public static RawHttp2 connect(int port, String serverName, javax.net.ssl.SSLContext context) throws IOException {
        return over(TlsClient.connect(port, serverName, context, "h2"));
    }

    /** Over a TLS connection whose handshake agreed on h2: sends the preface and empty SETTINGS. */
    public static RawHttp2 over(SSLSocket socket) throws IOException {
        if (!"h2".equals(socket.getApplicationProtocol())) {
            socket.close();
            throw new IOException("ALPN chose " + socket.getApplicationProtocol());
        }
        RawHttp2 connection = new RawHttp2(socket);
        connection.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        connection.frame(SETTINGS, 0, 0, new byte[0]);
        return connection;
    }

    public void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        send(encode(type, flags, stream, payload));
    }

    /** Writes {@code bytes} (frames made by {@link #encode}, say) in one go. */
    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A frame's bytes, header and payload. */
    public static byte[] encode(int type, int flags, int stream, byte[] payload) {
        ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
        frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        frame.put((byte) type).put((byte) flags).putInt(stream);
        return frame.put(payload).array();
    }

    /** A HEADERS frame with END_HEADERS; {@code nameValues} alternate, sent as ISO-8859-1 bytes. */
    public void headers(int stream, boolean endStream, String... nameValues) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, headerBlock(nameValues));
    }

    /** The HPACK header block of {@code nameValues} (alternating), literals without indexing or Huffman coding. */
    public static byte[] headerBlock(String... nameValues) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < nameValues.length; i += 2) {
            block.write(0);
            literal(block, nameValues[i]);
            literal(block, nameValues[i + 1]);
        }
        return block.toByteArray();
    }

    public void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    public void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    private static void literal(ByteArrayOutputStream block, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        // a 7-bit prefixed length, no Huffman coding
        int length = bytes.length;
        if (length < 127) {
            block.write(length);
        } else {
            block.write(127);
            length -= 127;
            while (length >= 128) {
                block.write(length % 128 + 128);
                length /= 128;
            }
            block.write(length);
        }
        block.writeBytes(bytes);
    }

    /** The next frame but PINGs, answering those and SETTINGS; {@code null} after the timeout. */
    public Frame read(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        while (true) {
            Frame frame;
            try {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                frame = new Frame(type, flags, stream, payload);
            } catch (SocketTimeoutException quiet) {
                return null;
            } catch (IOException ended) {
                return new Frame(-1, 0, 0, new byte[0]);
            }
            boolean settings = frame.type() == SETTINGS && (frame.flags() & 1) == 0;
            boolean ping = frame.type() == PING && (frame.flags() & 1) == 0;
            if (settings || ping) {
                try {
                    frame(frame.type(), 1, 0, ping ? frame.payload() : new byte[0]);
                } catch (IOException closing) {
                    // the server may have ended the connection already: what it sent is still there to read
                }
            }
            if (!ping) {
                return frame;
            }
        }
    }

    /** Reads until a frame of {@code type} (on {@code stream}, unless -1), skipping others; {@code null} if none. */
    public Frame await(int type, int stream, int timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
            Frame frame = left <= 0 ? null : read(left);
            if (frame == null || frame.type() == -1 || frame.type() == type && (stream < 0 || frame.stream() == stream)) {
                return frame;
            }
        }
    }

    /** Ends the connection with a TCP reset, as a client that crashed. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
