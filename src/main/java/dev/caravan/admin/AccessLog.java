package dev.caravan.admin;

import com.fasterxml.jackson.core.io.CharTypes;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.FastThreadLocal;
import dev.caravan.gateway.RequestObserver;
import dev.caravan.gateway.RequestRecord;
import dev.caravan.routing.Backend;
import dev.caravan.routing.PathRule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request, to the {@code caravan.access} logger: JSON by default, or the combined log
 * format nginx writes. The lines of the requests an event loop finished in one pass are built into one
 * text and handed to the {@link AccessLogWriter}, whose thread logs all that came in each interval as one
 * log event. The logger's appender (see {@code log4j2.properties}) runs on that thread, never on an event
 * loop.
 */
public final class AccessLog implements RequestObserver, AutoCloseable {

    /** The logger the lines go to; configure it like any other (level off = no access log). */
    public static final String LOGGER = "caravan.access";

    public enum Format { JSON, COMBINED }

    private static final DateTimeFormatter COMBINED_TIME = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** Batches waiting for the writer at most: at a pass every millisecond per loop, seconds of traffic. */
    private static final int QUEUED_BATCHES = 4096;
    /** How often the writer writes while lines keep coming; nginx's buffered access log flushes as rarely. */
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(10);
    /** A batch builder grown past this by a burst is let go rather than kept by its event loop. */
    private static final int KEPT_BUILDER = 64 * 1024;

    private final Format format;
    private final BooleanSupplier enabled;
    private final AccessLogWriter writer;
    /** One per event-loop thread: the lines of the pass being finished. */
    private final FastThreadLocal<StringBuilder> batches = new FastThreadLocal<>() {
        @Override
        protected StringBuilder initialValue() {
            return new StringBuilder(4096);
        }
    };

    public AccessLog(Format format) {
        this(format, LoggerFactory.getLogger(LOGGER));
    }

    private AccessLog(Format format, Logger logger) {
        this.format = format;
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
        int count = 0;
        for (int i = 0; i < records.size(); i++) {
            RequestRecord record = records.get(i);
            if (record.accessLog()) {
                if (count++ > 0) {
                    lines.append('\n');
                }
                if (format == Format.JSON) {
                    json(record, lines);
                } else {
                    lines.append(combined(record));
                }
            }
        }
        if (count > 0) {
            writer.offer(lines.toString(), count);
            lines.setLength(0);
            if (lines.capacity() > KEPT_BUILDER) {
                batches.remove();
            }
        }
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

    /** Appends the record's JSON object to {@code out}. */
    static void json(RequestRecord record, StringBuilder out) {
        JsonLine json = JsonLine.start(out);
        json.time("time", record.startMillis());
        json.string("client", record.clientIp());
        json.string("scheme", record.scheme());
        json.string("host", record.host());
        json.string("method", record.method());
        json.string("uri", record.uri());
        json.string("protocol", record.protocol());
        json.number("status", record.status());
        json.number("request_length", record.requestBytes());
        json.number("bytes_sent", record.responseBytes());
        json.seconds("duration", record.durationNanos());
        PathRule rule = record.rule();
        json.string("namespace", rule == null ? null : rule.ingress().namespace());
        json.string("ingress", rule == null ? null : rule.ingress().name());
        json.string("path", rule == null ? null : rule.path());
        Backend backend = rule == null ? null : record.canary() ? rule.canary().backend() : rule.backend();
        json.string("service", backend == null ? null : backend.serviceName());
        json.string("upstream_name", backend == null ? null : backend.name());
        json.bool("canary", record.canary());
        json.string("upstream_addr", record.upstream() == null ? null : NetUtil.toSocketAddressString(record.upstream()));
        if (record.upstream() != null) {
            json.number("upstream_status", record.upstreamStatus());
            json.seconds("upstream_duration", record.upstreamNanos());
            json.number("upstream_attempts", record.attempts());
        }
        json.string("request_id", record.requestId());
        json.string("user_agent", record.userAgent());
        json.string("referer", record.referer());
        json.end();
    }

    /** One JSON object on one line; strings escaped by Jackson's encoder, which every client value passes. */
    private static final class JsonLine {
        /** One per event-loop thread, reused line after line: it keeps the formatted second. */
        private static final FastThreadLocal<JsonLine> LINE = new FastThreadLocal<>() {
            @Override
            protected JsonLine initialValue() {
                return new JsonLine();
            }
        };
        private static final int[] ESCAPES = CharTypes.get7BitOutputEscapes();
        private StringBuilder text;
        /** Where this line starts in {@link #text}. */
        private int start;
        /** The second {@link #secondText} is, as {@link Instant#toString()} writes it up to its fraction. */
        private long second = Long.MIN_VALUE;
        private String secondText;

        static JsonLine start(StringBuilder out) {
            JsonLine line = LINE.get();
            line.text = out;
            line.start = out.length();
            out.append('{');
            return line;
        }

        /** As {@link Instant#toString()} writes it; its date and time formatted once per second. */
        void time(String name, long epochMillis) {
            long epochSecond = Math.floorDiv(epochMillis, 1000);
            if (epochSecond != second) {
                String full = Instant.ofEpochSecond(epochSecond).toString();
                secondText = full.substring(0, full.length() - 1);
                second = epochSecond;
            }
            name(name);
            text.append('"').append(secondText);
            int millis = (int) Math.floorMod(epochMillis, 1000);
            if (millis != 0) {
                text.append('.').append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
                        .append((char) ('0' + millis % 10));
            }
            text.append("Z\"");
        }

        void string(String name, String value) {
            name(name);
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

        /** Whether Jackson's encoder would change anything: it escapes only some ASCII characters. */
        private static boolean needsEscaping(String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < ESCAPES.length && ESCAPES[c] != 0) {
                    return true;
                }
            }
            return false;
        }

        void number(String name, long value) {
            name(name);
            text.append(value);
        }

        void bool(String name, boolean value) {
            name(name);
            text.append(value);
        }

        /** Seconds with millisecond precision, as nginx's {@code $request_time}. */
        void seconds(String name, long nanos) {
            name(name);
            long millis = Math.max(0, nanos) / 1_000_000;
            text.append(millis / 1000).append('.');
            long fraction = millis % 1000;
            text.append(fraction < 100 ? (fraction < 10 ? "00" : "0") : "").append(fraction);
        }

        private void name(String name) {
            if (text.length() > start + 1) {
                text.append(',');
            }
            text.append('"').append(name).append("\":");
        }

        void end() {
            text.append('}');
            text = null;
        }
    }

    /** nginx's {@code combined} format, with the request time and upstream of ingress-nginx's default after it. */
    static String combined(RequestRecord record) {
        return (record.clientIp() == null ? "-" : record.clientIp()) + " - - ["
                + COMBINED_TIME.format(Instant.ofEpochMilli(record.startMillis())) + "] \""
                + escape(record.method()) + " " + escape(record.uri()) + " " + record.protocol() + "\" "
                + record.status() + " " + record.responseBytes() + " \"" + escape(record.referer()) + "\" \""
                + escape(record.userAgent()) + "\" " + record.requestBytes() + " " + seconds(record.durationNanos())
                + " [" + (record.rule() == null ? "" : record.rule().ingress().namespace() + "-"
                        + record.rule().ingress().name()) + "] "
                + (record.upstream() == null ? "-" : NetUtil.toSocketAddressString(record.upstream()))
                + " " + (record.upstream() == null ? "-" : seconds(record.upstreamNanos()) + " "
                        + record.upstreamStatus())
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
