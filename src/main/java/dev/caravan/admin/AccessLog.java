package dev.caravan.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.caravan.gateway.RequestObserver;
import dev.caravan.gateway.RequestRecord;
import dev.caravan.routing.PathRule;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request, to the {@code caravan.access} logger: JSON by default, or the combined log
 * format nginx writes. The logger's appender is asynchronous and drops lines rather than block an
 * event loop when its queue is full (see {@code log4j2.properties}).
 */
public final class AccessLog implements RequestObserver {

    /** The logger the lines go to; configure it like any other (level off = no access log). */
    public static final String LOGGER = "caravan.access";

    public enum Format { JSON, COMBINED }

    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter COMBINED_TIME = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Format format;
    private final Consumer<String> out;

    public AccessLog(Format format) {
        this(format, LoggerFactory.getLogger(LOGGER));
    }

    private AccessLog(Format format, Logger logger) {
        this(format, line -> {
            if (logger.isInfoEnabled()) {
                logger.info(line);
            }
        });
    }

    /** For tests and embedding: lines go to {@code out}. */
    public AccessLog(Format format, Consumer<String> out) {
        this.format = format;
        this.out = out;
    }

    @Override
    public void completed(RequestRecord record) {
        if (record.accessLog()) {
            out.accept(format == Format.JSON ? json(record) : combined(record));
        }
    }

    static String json(RequestRecord record) {
        StringWriter text = new StringWriter(384);
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.ofEpochMilli(record.startMillis()).toString());
            json.writeStringField("client", record.client() == null ? null
                    : record.client().getAddress().getHostAddress());
            json.writeStringField("scheme", record.scheme());
            json.writeStringField("host", record.host());
            json.writeStringField("method", record.method());
            json.writeStringField("uri", record.uri());
            json.writeStringField("protocol", record.protocol());
            json.writeNumberField("status", record.status());
            json.writeNumberField("request_length", record.requestBytes());
            json.writeNumberField("bytes_sent", record.responseBytes());
            json.writeNumberField("duration", seconds(record.durationNanos()));
            PathRule rule = record.rule();
            json.writeStringField("namespace", rule == null ? null : rule.ingress().namespace());
            json.writeStringField("ingress", rule == null ? null : rule.ingress().name());
            json.writeStringField("path", rule == null ? null : rule.path());
            String backend = rule == null ? null : (record.canary() ? rule.canary().backend() : rule.backend()).name();
            json.writeStringField("service", backend == null ? null : RequestMetrics.serviceName(backend));
            json.writeStringField("upstream_name", backend);
            json.writeBooleanField("canary", record.canary());
            json.writeStringField("upstream_addr", record.upstream() == null ? null
                    : record.upstream().getAddress().getHostAddress() + ":" + record.upstream().getPort());
            if (record.upstream() != null) {
                json.writeNumberField("upstream_status", record.upstreamStatus());
                json.writeNumberField("upstream_duration", seconds(record.upstreamNanos()));
                json.writeNumberField("upstream_attempts", record.attempts());
            }
            json.writeStringField("request_id", record.requestId());
            json.writeStringField("user_agent", record.userAgent());
            json.writeStringField("referer", record.referer());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** nginx's {@code combined} format, with the request time and upstream of ingress-nginx's default after it. */
    static String combined(RequestRecord record) {
        return (record.client() == null ? "-" : record.client().getAddress().getHostAddress()) + " - - ["
                + COMBINED_TIME.format(Instant.ofEpochMilli(record.startMillis())) + "] \""
                + escape(record.method()) + " " + escape(record.uri()) + " " + record.protocol() + "\" "
                + record.status() + " " + record.responseBytes() + " \"" + escape(record.referer()) + "\" \""
                + escape(record.userAgent()) + "\" " + record.requestBytes() + " " + seconds(record.durationNanos())
                + " [" + (record.rule() == null ? "" : record.rule().ingress().namespace() + "-"
                        + record.rule().ingress().name()) + "] "
                + (record.upstream() == null ? "-" : record.upstream().getAddress().getHostAddress() + ":"
                        + record.upstream().getPort())
                + " " + (record.upstream() == null ? "-" : seconds(record.upstreamNanos()) + " "
                        + record.upstreamStatus())
                + " " + (record.requestId() == null ? "-" : escape(record.requestId()));
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
