package dev.caravan.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately plain HTTP/1.1 client over one socket, so tests control every byte (Host, pipelining,
 * HTTP/1.0, keep-alive) and see every response header as sent.
 */
public final class RawHttp implements AutoCloseable {

    /** A response as received; header names are kept as sent, lookups ignore case. */
    public record Response(String statusLine, int status, List<Map.Entry<String, String>> headers, byte[] body) {

        public String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : values.get(0);
        }

        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (Map.Entry<String, String> header : headers) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    values.add(header.getValue());
                }
            }
            return values;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private List<Map.Entry<String, String>> trailers = List.of();
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this(port, 20_000);
    }

    public RawHttp(int port, int timeoutMillis) throws IOException {
        this(connect(port), timeoutMillis);
    }

    /** Over a socket the caller connected, e.g. a TLS one. */
    public RawHttp(Socket socket, int timeoutMillis) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(timeoutMillis);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    /**
     * A socket to 127.0.0.1:{@code port} from {@code source}, another loopback address: a client of its own address,
     * as source ranges, limits and load balancers see it.
     */
    public static Socket connectFrom(String source, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** One GET on a new connection. */
    public static Response get(int port, String host, String path) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            return http.read(false);
        }
    }

    /** One request, as written, on a new connection, and its response. */
    public static Response exchange(int port, String request) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send(request);
            return http.read(false);
        }
    }

    public void send(String request) throws IOException {
        send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public OutputStream output() {
        return out;
    }

    public Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).trim()));
        }
        Response withoutBody = new Response(statusLine, status, headers, new byte[0]);
        if (head || status == 204 || status == 304 || status / 100 == 1) {
            return withoutBody;
        }
        String length = withoutBody.header("Content-Length");
        String encoding = withoutBody.header("Transfer-Encoding");
        byte[] body;
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = chunked();
        } else if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else {
            body = in.readAllBytes();
        }
        return new Response(statusLine, status, headers, body);
    }

    /** The trailers of the last chunked response read. */
    public List<Map.Entry<String, String>> trailers() {
        return trailers;
    }

    /**
     * Whether the server closed the connection: end of stream, or a reset, within the socket timeout. A
     * connection still open when the timeout expires was not closed.
     */
    public boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            int semicolon = size.indexOf(';');
            int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (length == 0) {
                trailers = new ArrayList<>();
                for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                    int colon = trailer.indexOf(':');
                    trailers.add(Map.entry(trailer.substring(0, colon), trailer.substring(colon + 1).trim()));
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(length));
            line();
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
