package dev.caravan.admin;

import com.fasterxml.jackson.core.io.CharTypes;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.FastThreadLocal;
import dev.caravan.gateway.RequestObserver;
import dev.caravan.gateway.RequestRecord;
import dev.caravan.gateway.StreamObserver;
import dev.caravan.gateway.StreamSession;
import dev.caravan.routing.Backend;
import dev.caravan.routing.PathRule;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One line per request, to the {@code caravan.access} logger: JSON by default, or the combined log
 * format nginx writes. The lines of the requests an event loop finished in one pass are built into one
 * text and handed to the {@link AccessLogWriter}, whose thread logs all that came in each interval as one
 * log event. The logger's appender (see {@code log4j2.properties}) runs on that thread, never on an event
 * loop.
 */
public final class AccessLog implements RequestObserver, StreamObserver, AutoCloseable {

    /** The logger the lines go to; configure it like any other (level off = no access log). */
    public static final String LOGGER = "caravan.access";

    public enum Format { JSON, COMBINED }

    /** Batches waiting for the writer at most: at a pass every millisecond per loop, seconds of traffic. */
    private static final int QUEUED_BATCHES = 4096;
    /** How often the writer writes while lines keep coming; nginx's buffered access log flushes as rarely. */
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(10);

    private final Format format;
    /** ingress-nginx's log-format-upstream, when given: it replaces {@link #format}. */
    private final LogFormat custom;
    private final BooleanSupplier enabled;
    private final AccessLogWriter writer;
    /** One per event-loop thread: the lines of the pass being finished, handed to the writer whole. */
    private final FastThreadLocal<StringBuilder> batches = new FastThreadLocal<>() {
        @Override
        protected StringBuilder initialValue() {
            return writer.builder();
        }
    };

    /** @param custom lines as ingress-nginx's log-format-upstream, or {@code null} for {@code format}'s */
    public AccessLog(Format format, LogFormat custom) {
        this(format, custom, LogManager.getLogger(LOGGER));
    }

    /** Log4j's own API: it logs a text given as a {@link CharSequence} without copying it into a String first. */
    private AccessLog(Format format, LogFormat custom, Logger logger) {
        this.format = format;
        this.custom = custom;
        this.enabled = logger::isInfoEnabled;
        this.writer = new AccessLogWriter(QUEUED_BATCHES, WRITE_INTERVAL, logger::info);
    }

    @Override
    public void completed(RequestRecord record) {
        completed(List.of(record));
    }

    /** The lines of a batch as one text, a line each, so that the writer takes them in one go. */
    @Override
    public void completed(List<RequestRecord> records) {
        if (!enabled.getAsBoolean()) {
            return;
        }
        StringBuilder lines = batches.get();
        try {
            int count = 0;
            for (int i = 0; i < records.size(); i++) {
                RequestRecord record = records.get(i);
                if (record.accessLog()) {
                    if (count++ > 0) {
                        lines.append('\n');
                    }
                    if (custom != null) {
                        custom.append(record, lines);
                    } else if (format == Format.JSON) {
                        json(record, lines);
                    } else {
                        lines.append(combined(record));
                    }
                }
            }
            if (count > 0 && writer.offer(lines, count)) {
                // the writer's now; it comes back empty, to this loop or another
                batches.set(writer.builder());
                return;
            }
            lines.setLength(0);
            if (lines.capacity() > AccessLogWriter.KEPT_BUILDER) {
                batches.set(writer.builder());
            }
        } catch (RuntimeException e) {
            // a line left half-built must not prefix the next batch
            lines.setLength(0);
            throw e;
        }
    }

    @Override
    public List<String> requestHeaders() {
        return custom == null ? List.of() : custom.headers();
    }

    @Override
    public boolean readsConnection() {
        return custom != null && custom.readsConnection();
    }

    @Override
    public List<String> responseHeaders() {
        return custom == null ? List.of() : custom.sentHeaders();
    }

    @Override
    public List<String> upstreamHeaders() {
        return custom == null ? List.of() : custom.upstreamHeaders();
    }

    /** Lines dropped because the log's writer fell behind. */
    public long dropped() {
        return writer.dropped();
    }

    /** Writes the lines handed over so far, and stops the writer. */
    @Override
    public void close() {
        writer.close();
    }

    private static final JsonLine.Key TIME = new JsonLine.Key("time"), CLIENT = new JsonLine.Key("client"),
            SCHEME = new JsonLine.Key("scheme"), HOST = new JsonLine.Key("host"), METHOD = new JsonLine.Key("method"),
            URI = new JsonLine.Key("uri"), PROTOCOL = new JsonLine.Key("protocol"),
            STATUS = new JsonLine.Key("status"), REQUEST_LENGTH = new JsonLine.Key("request_length"),
            BYTES_SENT = new JsonLine.Key("bytes_sent"), DURATION = new JsonLine.Key("duration"),
            NAMESPACE = new JsonLine.Key("namespace"), INGRESS = new JsonLine.Key("ingress"),
            PATH = new JsonLine.Key("path"), SERVICE = new JsonLine.Key("service"),
            UPSTREAM_NAME = new JsonLine.Key("upstream_name"), CANARY = new JsonLine.Key("canary"),
            UPSTREAM_ADDR = new JsonLine.Key("upstream_addr"), UPSTREAM_STATUS = new JsonLine.Key("upstream_status"),
            UPSTREAM_DURATION = new JsonLine.Key("upstream_duration"),
            UPSTREAM_ATTEMPTS = new JsonLine.Key("upstream_attempts"), REQUEST_ID = new JsonLine.Key("request_id"),
            USER_AGENT = new JsonLine.Key("user_agent"), REFERER = new JsonLine.Key("referer");

    /** Appends the record's JSON object to {@code out}. */
    static void json(RequestRecord record, StringBuilder out) {
        JsonLine json = JsonLine.start(out);
        json.time(TIME, record.startMillis());
        json.string(CLIENT, record.clientIp());
        json.string(SCHEME, record.scheme());
        json.clientString(HOST, record.host());
        json.clientString(METHOD, record.method());
        json.clientString(URI, record.uri());
        json.string(PROTOCOL, record.protocol());
        json.number(STATUS, record.status());
        json.number(REQUEST_LENGTH, record.requestBytes());
        json.number(BYTES_SENT, record.responseBytes());
        json.seconds(DURATION, record.durationNanos());
        PathRule rule = record.rule();
        json.string(NAMESPACE, rule == null ? null : rule.ingress().namespace());
        json.string(INGRESS, rule == null ? null : rule.ingress().name());
        json.string(PATH, rule == null ? null : rule.path());
        Backend backend = rule == null ? null : record.canary() ? rule.canary().backend() : rule.backend();
        json.string(SERVICE, backend == null || backend == Backend.TABLE_DEFAULT ? null : backend.serviceName());
        json.string(UPSTREAM_NAME, backend == null ? null : backend.name());
        json.bool(CANARY, record.canary());
        json.address(UPSTREAM_ADDR, record.upstream());
        // every line has every key, null where no pod was asked, so that log pipelines see one schema
        if (record.upstream() != null) {
            if (record.loggedUpstreamStatus() != 0) {
                json.number(UPSTREAM_STATUS, record.loggedUpstreamStatus());
            } else {
                json.string(UPSTREAM_STATUS, null);
            }
            json.seconds(UPSTREAM_DURATION, record.upstreamNanos());
            json.number(UPSTREAM_ATTEMPTS, record.attempts());
        } else {
            json.string(UPSTREAM_STATUS, null);
            json.string(UPSTREAM_DURATION, null);
            json.string(UPSTREAM_ATTEMPTS, null);
        }
        json.clientString(REQUEST_ID, record.requestId());
        json.clientString(USER_AGENT, record.userAgent());
        json.clientString(REFERER, record.referer());
        json.end();
    }

    /**
     * One JSON object on one line; strings escaped by Jackson's encoder, which every client value passes.
     * Names and fractions are appended as whole precomputed strings: a line is built on an event loop.
     */
    private static final class JsonLine {
        /** One per event-loop thread, reused line after line: it keeps the formatted second and addresses. */
        private static final FastThreadLocal<JsonLine> LINE = new FastThreadLocal<>() {
            @Override
            protected JsonLine initialValue() {
                return new JsonLine();
            }
        };
        /** ".000" to ".999". */
        private static final String[] FRACTIONS = new String[1000];
        /** Pod addresses as text, by identity; the addresses are the table's endpoints, few and long-lived. */
        private static final int ADDRESSES = 64;

        static {
            for (int i = 0; i < FRACTIONS.length; i++) {
                FRACTIONS[i] = "." + (char) ('0' + i / 100) + (char) ('0' + i / 10 % 10) + (char) ('0' + i % 10);
            }
        }

        /** A field name as it follows the previous field, {@code ,"name":}, and as the line's first, the time. */
        static final class Key {
            private final String text;
            private final String first;

            Key(String name) {
                this.first = "\"" + name + "\":";
                this.text = "," + first;
            }
        }

        private final InetSocketAddress[] addresses = new InetSocketAddress[ADDRESSES];
        private final String[] addressTexts = new String[ADDRESSES];
        private StringBuilder text;
        /** The second {@link #secondText} is, as {@link Instant#toString()} writes it up to its fraction. */
        private long second = Long.MIN_VALUE;
        private String secondText;

        static JsonLine start(StringBuilder out) {
            JsonLine line = LINE.get();
            line.text = out;
            out.append('{');
            return line;
        }

        /**
         * The line's first field, as {@link Instant#toString()} writes it; its date and time formatted once per
         * second.
         */
        void time(Key key, long epochMillis) {
            long epochSecond = Math.floorDiv(epochMillis, 1000);
            if (epochSecond != second) {
                String full = Instant.ofEpochSecond(epochSecond).toString();
                secondText = full.substring(0, full.length() - 1);
                second = epochSecond;
            }
            text.append(key.first).append('"').append(secondText);
            int millis = (int) Math.floorMod(epochMillis, 1000);
            if (millis != 0) {
                text.append(FRACTIONS[millis]);
            }
            text.append("Z\"");
        }

        void string(Key key, String value) {
            name(key);
            if (value == null) {
                text.append("null");
            } else {
                text.append('"');
                if (needsEscaping(value)) {
                    JsonStringEncoder.getInstance().quoteAsString(value, text);
                } else {
                    // the encoder appends char by char; most values have nothing to escape and are copied whole
                    text.append(value);
                }
                text.append('"');
            }
        }

        /** What a client sent: its bytes as the text they are ({@link LogVariables#asSent}). */
        void clientString(Key key, String value) {
            string(key, value == null ? null : LogVariables.asSent(value));
        }

        /** As {@link NetUtil#toSocketAddressString(InetSocketAddress)} writes it, made once per address. */
        void address(Key key, InetSocketAddress address) {
            if (address == null) {
                string(key, null);
                return;
            }
            int slot = System.identityHashCode(address) & (ADDRESSES - 1);
            if (addresses[slot] != address) {
                addressTexts[slot] = NetUtil.toSocketAddressString(address);
                addresses[slot] = address;
            }
            string(key, addressTexts[slot]);
        }

        /**
         * Whether Jackson's encoder would change anything: it escapes the control characters, the quote and
         * the backslash (as {@link CharTypes#get7BitOutputEscapes()} says), and leaves the rest as it is.
         */
        private static boolean needsEscaping(String value) {
            for (int i = 0, length = value.length(); i < length; i++) {
                char c = value.charAt(i);
                if (c < 0x20 || c == '"' || c == '\\') {
                    return true;
                }
            }
            return false;
        }

        void number(Key key, long value) {
            name(key);
            text.append(value);
        }

        void bool(Key key, boolean value) {
            name(key);
            text.append(value);
        }

        /** Seconds with millisecond precision, as nginx's {@code $request_time}. */
        void seconds(Key key, long nanos) {
            name(key);
            long millis = Math.max(0, nanos) / 1_000_000;
            text.append(millis / 1000).append(FRACTIONS[(int) (millis % 1000)]);
        }

        private void name(Key key) {
            text.append(key.text);
        }

        void end() {
            text.append('}');
            text = null;
        }
    }

    /** nginx's {@code combined} format, with the request time and upstream of ingress-nginx's default after it. */
    /**
     * A TCP service's connection, once closed: in JSON, an object of its own keys (protocol TCP); else nginx's stream
     * log line, as ingress-nginx's default log-format-stream writes it.
     */
    @Override
    public void closed(StreamSession session, InetSocketAddress client) {
        if (!enabled.getAsBoolean()) {
            return;
        }
        writer.offer(format == Format.JSON && custom == null ? streamJson(session, client)
                : streamLine(session, client), 1);
    }

    private static final JsonLine.Key PORT = new JsonLine.Key("port");
    private static final JsonLine.Key BYTES_RECEIVED = new JsonLine.Key("bytes_received");

    static String streamJson(StreamSession session, InetSocketAddress client) {
        StringBuilder out = new StringBuilder(256);
        JsonLine json = JsonLine.start(out);
        // when the session ended, as nginx's stream log writes its line then
        json.time(TIME, session.startMillis() + session.durationNanos() / 1_000_000);
        json.string(CLIENT, client == null ? null : client.getAddress().getHostAddress());
        json.string(PROTOCOL, session.protocol());
        json.number(PORT, session.port());
        json.string(SERVICE, session.backend());
        json.address(UPSTREAM_ADDR, session.upstream());
        json.number(STATUS, session.status());
        json.number(BYTES_SENT, session.bytesSent());
        json.number(BYTES_RECEIVED, session.bytesReceived());
        json.seconds(DURATION, session.durationNanos());
        json.end();
        return out.toString();
    }

    /** {@code [$remote_addr] [$time_local] $protocol $status $bytes_sent $bytes_received $session_time}. */
    static String streamLine(StreamSession session, InetSocketAddress client) {
        return "[" + (client == null ? "-" : client.getAddress().getHostAddress()) + "] ["
                + LogVariables.TIME_LOCAL.format(Instant.ofEpochMilli(session.startMillis()
                        + session.durationNanos() / 1_000_000)) + "] " + session.protocol()
                + " " + session.status() + " " + session.bytesSent() + " " + session.bytesReceived() + " "
                + String.format(java.util.Locale.ROOT, "%.3f", session.durationNanos() / 1e9);
    }

    static String combined(RequestRecord record) {
        return (record.clientIp() == null ? "-" : record.clientIp()) + " - - ["
                + LogVariables.TIME_LOCAL.format(Instant.ofEpochMilli(record.startMillis())) + "] \""
                + (record.method() == null ? "-" : escape(record.method()) + " " + escape(record.uri()) + " "
                        + record.protocol()) + "\" "
                + record.status() + " " + record.responseBytes() + " \"" + escape(record.referer()) + "\" \""
                + escape(record.userAgent()) + "\" " + record.requestBytes() + " " + seconds(record.durationNanos())
                + " [" + (record.rule() == null ? "" : record.rule().ingress().namespace() + "-"
                        + record.rule().ingress().name()) + "] "
                + (record.upstream() == null ? "-" : NetUtil.toSocketAddressString(record.upstream()))
                + " " + (record.upstream() == null ? "-" : seconds(record.upstreamNanos()) + " "
                        + (record.loggedUpstreamStatus() == 0 ? "-" : record.loggedUpstreamStatus()))
                + " \"" + escape(record.requestId()) + "\"";
    }

    /** What a client sent, made safe for a quoted field of one log line. */
    private static String escape(String value) {
        if (value == null) {
            return "-";
        }
        StringBuilder safe = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
                if (safe == null) {
                    safe = new StringBuilder(value.length() + 16).append(value, 0, i);
                }
                safe.append(String.format("\\x%02X", (int) c & 0xff));
            } else if (safe != null) {
                safe.append(c);
            }
        }
        return safe == null ? value : safe.toString();
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1_000_000.0) / 1000.0;
    }
}
