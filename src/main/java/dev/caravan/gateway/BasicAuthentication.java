package dev.caravan.gateway;

import dev.caravan.auth.BasicCredentials;
import dev.caravan.auth.PasswordHash;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code auth-type: basic}: a request goes on only with the credentials of a user of the Ingress's
 * {@code auth-secret}, else it gets 401 with a Basic challenge; its {@code Authorization} is not sent on to the
 * pod, as ingress-nginx blanks it. A bcrypt or crypt(3) SHA hash takes milliseconds to check, so checks run on a small
 * bounded pool, never on an event loop (503 when it is full), and a password once verified against a hash
 * is remembered (at most {@link #REMEMBERED}, the oldest forgotten first), keyed by the hash itself: a
 * changed password or a removed user is never let in from memory.
 */
final class BasicAuthentication {

    static final int REMEMBERED = 4096;
    private static final Verdict.Proceed ADMITTED = new Verdict.Proceed(Map.of(), Set.of());

    private record Verified(PasswordHash hash, String passwordDigest) {
    }

    private final ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1024), new DefaultThreadFactory("caravan-basic-auth", true),
            new ThreadPoolExecutor.AbortPolicy());
    private final Map<Verified, Boolean> verified = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Verified, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** Stops the checking threads (when Caravan stops). */
    void close() {
        pool.shutdownNow();
    }

    RequestCheck check(String realm, BasicCredentials users) {
        return (head, done) -> check(realm, users, head, done);
    }

    private void check(String realm, BasicCredentials users, RequestHead head, Consumer<Verdict> done) {
        String[] credentials = credentials(head.headers());
        PasswordHash hash = credentials == null ? null : users.hashOf(credentials[0]);
        if (hash == null) {
            done.accept(challenge(realm));
            return;
        }
        Verified key = new Verified(hash, digest(credentials[1]));
        synchronized (verified) {
            if (verified.containsKey(key)) {
                done.accept(ADMITTED);
                return;
            }
        }
        try {
            pool.execute(() -> {
                if (!head.waiting().getAsBoolean()) {
                    // a client gone costs no bcrypt
                    done.accept(new Verdict.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "the client has gone"));
                    return;
                }
                boolean matches = hash.matches(credentials[1]);
                if (matches) {
                    synchronized (verified) {
                        verified.put(key, Boolean.TRUE);
                    }
                }
                done.accept(matches ? ADMITTED : challenge(realm));
            });
        } catch (RejectedExecutionException full) {
            done.accept(new Verdict.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "basic authentication busy"));
        }
    }

    /** User and password of the request's {@code Authorization: Basic}, or {@code null}. */
    private static String[] credentials(List<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> header : headers) {
            if (!header.getKey().equalsIgnoreCase("Authorization")) {
                continue;
            }
            return BasicCredentials.fromHeader(header.getValue());
        }
        return null;
    }

    private static Verdict challenge(String realm) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"" + realm + "\"");
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return new Verdict.Answer(401, headers, "401 Unauthorized\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** What is remembered of a password: its SHA-256, never the password. */
    private static String digest(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
