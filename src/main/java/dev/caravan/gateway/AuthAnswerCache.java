package dev.caravan.gateway;

import dev.caravan.routing.AuthCaching;
import io.netty.handler.codec.DateFormatter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The auth services' answers kept for {@code auth-cache-key}, as nginx's {@code proxy_cache} keeps them for
 * ingress-nginx: bounded in count and in bytes, the least recently used going first. An answer is kept as
 * nginx keeps it: not with a {@code Set-Cookie} (it is one user's), a {@code Vary}, or a
 * {@code Cache-Control} that forbids it; for {@code X-Accel-Expires}, {@code Cache-Control: max-age} or
 * {@code Expires} when the answer gives one; else for what {@code auth-cache-duration} gives its status.
 * Lookups run on event loops and stores on the auth client's threads: one lock, held for a map operation.
 */
final class AuthAnswerCache {

    static final int MAX_ENTRIES = 10_000;
    static final long MAX_BYTES = 32L * 1024 * 1024;
    /** An answer larger than this (its kept headers) is not kept: a few would take the whole budget. */
    static final int MAX_ANSWER_BYTES = 16 * 1024;
    private static final int ENTRY_OVERHEAD = 160;
    private static final Duration LONGEST = Duration.ofDays(3650);

    /** An answer as kept: its status and the headers a verdict reads. */
    record Answer(int status, Map<String, List<String>> headers, long expiresAtNanos, int bytes) {
    }

    private final Map<String, Answer> answers = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    /** The answer kept for {@code key}, if still fresh at {@code nowNanos}. */
    synchronized Answer get(String key, long nowNanos) {
        Answer answer = answers.get(key);
        if (answer != null && nowNanos - answer.expiresAtNanos() >= 0) {
            answers.remove(key);
            bytes -= answer.bytes();
            return null;
        }
        return answer;
    }

    /**
     * Keeps an answer, if it may be kept.
     *
     * @param read the headers a verdict reads of the answer (the others are not kept)
     */
    void offer(String key, AuthCaching caching, int status, Map<String, List<String>> headers,
            Collection<String> read, long nowNanos) {
        Duration lifetime = lifetime(caching, status, headers);
        if (lifetime == null) {
            return;
        }
        Map<String, List<String>> kept = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int size = ENTRY_OVERHEAD + 2 * key.length();
        for (String name : read) {
            List<String> values = headers.get(name);
            if (values != null) {
                kept.put(name, List.copyOf(values));
                for (String value : values) {
                    size += 2 * (name.length() + value.length()) + 48;
                }
            }
        }
        if (size > MAX_ANSWER_BYTES) {
            return;
        }
        // nanoTime's range: an answer kept for ten years is kept for good
        long expiresAt = nowNanos + (lifetime.compareTo(LONGEST) > 0 ? LONGEST : lifetime).toNanos();
        store(key, new Answer(status, kept, expiresAt, size), nowNanos);
    }

    private synchronized void store(String key, Answer answer, long nowNanos) {
        Answer replaced = answers.put(key, answer);
        bytes += answer.bytes() - (replaced == null ? 0 : replaced.bytes());
        Iterator<Answer> eldest = answers.values().iterator();
        while ((answers.size() > MAX_ENTRIES || bytes > MAX_BYTES) && eldest.hasNext()) {
            bytes -= eldest.next().bytes();
            eldest.remove();
        }
    }

    synchronized int size() {
        return answers.size();
    }

    /**
     * How long nginx would keep an answer of the auth service, or {@code null} when it would not.
     *
     * @param headers the answer's headers, looked up in any case
     */
    static Duration lifetime(AuthCaching caching, int status, Map<String, List<String>> headers) {
        if (has(headers, "Set-Cookie") || has(headers, "Vary")) {
            return null;
        }
        String accel = first(headers, "X-Accel-Expires");
        if (accel != null) {
            long seconds = seconds(accel.trim());
            return seconds > 0 ? Duration.ofSeconds(seconds) : null;
        }
        List<String> directives = new ArrayList<>();
        for (String value : headers.getOrDefault("Cache-Control", List.of())) {
            for (String directive : value.toLowerCase(Locale.ROOT).split(",")) {
                directives.add(directive.trim());
            }
        }
        // as nginx: what forbids keeping, in any line, before any age; s-maxage before max-age
        for (String directive : directives) {
            if (directive.equals("no-cache") || directive.equals("no-store") || directive.equals("private")
                    || directive.startsWith("no-cache=") || directive.startsWith("private=")) {
                return null;
            }
        }
        for (String age : new String[] {"s-maxage=", "max-age="}) {
            for (String directive : directives) {
                if (directive.startsWith(age)) {
                    long seconds = seconds(directive.substring(age.length()));
                    return seconds > 0 ? Duration.ofSeconds(seconds) : null;
                }
            }
        }
        String expires = first(headers, "Expires");
        if (expires != null) {
            Date date = DateFormatter.parseHttpDate(expires);
            long left = date == null ? 0 : date.getTime() - System.currentTimeMillis();
            return left > 0 ? Duration.ofMillis(left) : null;
        }
        return caching.validity(status);
    }

    /** Seconds as nginx reads them, or -1 when the value is none (nginx then keeps nothing). */
    private static long seconds(String value) {
        if (!value.matches("[0-9]{1,10}")) {
            return -1;
        }
        return Long.parseLong(value);
    }

    private static boolean has(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values != null && !values.isEmpty();
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
