package dev.caravan.gateway;

import dev.caravan.auth.DigestAnswer;
import dev.caravan.auth.DigestCredentials;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code auth-type: digest}, as ingress-nginx's digest module answers it with its defaults: MD5, qop=auth; a
 * challenge may be answered within a minute, its nonce then serves the same client for ten seconds and at most
 * 19 requests (nc 1 to 19, each once), after which the client is asked again with {@code stale=true}, which
 * browsers answer without asking their user; a client address that fails five times within five minutes gets
 * 401 without a challenge until it has failed no more for five minutes.
 *
 * <p>Nonces carry their issue time and a MAC under a key of this process, so challenges cost no memory; only a
 * nonce a user answered is remembered, until it could no longer be answered (at most {@link #SESSIONS}, the oldest
 * forgotten first), and at most {@link #CLIENTS} failing addresses, the least recent forgotten first. A right
 * answer on a nonce this process cannot use (expired, forgotten, another replica's) is stale, not a failure. MD5 and
 * a MAC take microseconds: the check runs where it is called.
 */
final class DigestAuthentication {

    static final long CHALLENGE_MILLIS = 60_000;
    static final long SESSION_MILLIS = 10_000;
    static final int REPLAYS = 20;
    static final int MAX_TRIES = 5;
    static final long EVASION_MILLIS = 300_000;
    static final int SESSIONS = 65_536;
    static final int CLIENTS = 16_384;

    private static final Verdict.Proceed ADMITTED = new Verdict.Proceed(Map.of(), Set.of());
    private static final HexFormat HEX = HexFormat.of();
    private static final int MAC_BYTES = 10;

    /** A nonce a user answered: when it was issued, until when it serves, and which nc values it was used with. */
    private static final class Session {
        final long issued;
        final long expires;
        int used;

        Session(long issued, long expires) {
            this.issued = issued;
            this.expires = expires;
        }

        /** Until it ends and, forgotten, could not be taken for a new one: answers to it are stale from then on. */
        long keptUntil() {
            return Math.max(expires, issued + CHALLENGE_MILLIS + 1);
        }
    }

    private static final class Failures {
        int count;
        long until;
    }

    private enum Outcome { ADMITTED, STALE, REFUSED }

    private final LongSupplier millis;
    private final SecureRandom random = new SecureRandom();
    private final SecretKeySpec key;
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    /** The issue time of the latest nonce forgotten before it was over, for want of room. */
    private long forgottenIssuedUpTo = Long.MIN_VALUE;
    private final Map<String, Failures> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > CLIENTS;
        }
    };

    DigestAuthentication() {
        this(() -> System.nanoTime() / 1_000_000);
    }

    /** @param millis a monotonic clock in milliseconds */
    DigestAuthentication(LongSupplier millis) {
        this.millis = millis;
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        key = new SecretKeySpec(secret, "HmacSHA256");
    }

    RequestCheck check(DigestCredentials users) {
        return (head, done) -> done.accept(verdict(users, head));
    }

    Verdict verdict(DigestCredentials users, RequestHead head) {
        long now = millis.getAsLong();
        if (evading(head.client(), now)) {
            return unauthorized(null);
        }
        DigestAnswer answer = answer(head.headers());
        if (answer == null) {
            return challenge(users.realm(), false);
        }
        Outcome outcome = outcome(users, answer, head, now);
        synchronized (failures) {
            if (outcome == Outcome.ADMITTED) {
                failures.remove(head.client());
            } else if (outcome == Outcome.REFUSED) {
                // a stale answer is no failure: it proved the password (a page's parallel requests on an old nonce)
                Failures client = failures.computeIfAbsent(head.client(), any -> new Failures());
                client.count = now > client.until ? 1 : client.count + 1;
                client.until = now + EVASION_MILLIS;
            }
        }
        return outcome == Outcome.ADMITTED ? ADMITTED : challenge(users.realm(), outcome == Outcome.STALE);
    }

    private boolean evading(String client, long now) {
        synchronized (failures) {
            Failures failed = failures.get(client);
            return failed != null && failed.count >= MAX_TRIES && now < failed.until;
        }
    }

    private static DigestAnswer answer(List<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase("Authorization")) {
                return DigestAnswer.parse(header.getValue().trim());
            }
        }
        return null;
    }

    private Outcome outcome(DigestCredentials users, DigestAnswer answer, RequestHead head, long now) {
        String uri = head.uri();
        boolean sameUri = uri.equals(answer.uri())
                // as the module: some clients hash the path without its query
                || uri.startsWith(answer.uri()) && uri.charAt(answer.uri().length()) == '?';
        String ha1 = users.ha1Of(answer.username());
        if (!sameUri || ha1 == null || !answer.realm().equals(users.realm())
                || !answer.qop().equals("auth")
                || answer.algorithm() != null && !answer.algorithm().equalsIgnoreCase("MD5")) {
            return Outcome.REFUSED;
        }
        String expected = md5(ha1 + ':' + answer.nonce() + ':' + answer.nc() + ':' + answer.cnonce() + ":auth:"
                + md5(head.method() + ':' + answer.uri()));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                answer.response().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return Outcome.REFUSED;
        }
        long issued = issued(answer.nonce());
        if (issued < 0) {
            // a right answer to another process's challenge (before a restart, another replica): ask again
            return Outcome.STALE;
        }
        int nc = nonceCount(answer.nc());
        if (nc < 1 || nc >= REPLAYS) {
            return nc < 1 ? Outcome.REFUSED : Outcome.STALE;
        }
        synchronized (sessions) {
            Session session = sessions.get(answer.nonce());
            if (session == null) {
                if (now - issued > CHALLENGE_MILLIS || issued <= forgottenIssuedUpTo) {
                    return Outcome.STALE;
                }
                forgetEnded(now);
                session = new Session(issued, now + SESSION_MILLIS);
                sessions.put(answer.nonce(), session);
            } else if (now >= session.expires) {
                return Outcome.STALE;
            } else if ((session.used & 1 << nc) != 0) {
                // a replay, never let in; no failure either, or a client retrying after a lost connection (or
                // anyone replaying what it saw) would lock out everyone behind its address
                return Outcome.STALE;
            }
            session.used |= 1 << nc;
            return Outcome.ADMITTED;
        }
    }

    /**
     * Forgets sessions from the oldest on while they are over, and the oldest one when there are too many: then every
     * nonce issued until then is answered stale, so that no forgotten nonce is used again.
     */
    private void forgetEnded(long now) {
        Iterator<Session> oldest = sessions.values().iterator();
        while (oldest.hasNext()) {
            Session session = oldest.next();
            boolean over = now >= session.keptUntil();
            if (!over && sessions.size() < SESSIONS) {
                return;
            }
            if (!over) {
                forgottenIssuedUpTo = Math.max(forgottenIssuedUpTo, session.issued);
            }
            oldest.remove();
        }
    }

    private String nonce() {
        byte[] unique = new byte[8];
        random.nextBytes(unique);
        String issuedAndUnique = String.format("%016x", millis.getAsLong()) + HEX.formatHex(unique);
        return issuedAndUnique + HEX.formatHex(mac(issuedAndUnique));
    }

    /** When a nonce of this process was issued, or -1 when it is not one. */
    private long issued(String nonce) {
        if (nonce.length() != 32 + 2 * MAC_BYTES) {
            return -1;
        }
        try {
            byte[] sent = HEX.parseHex(nonce, 32, nonce.length());
            return MessageDigest.isEqual(sent, mac(nonce.substring(0, 32)))
                    ? HexFormat.fromHexDigitsToLong(nonce, 0, 16) : -1;
        } catch (IllegalArgumentException notHex) {
            return -1;
        }
    }

    private byte[] mac(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] full = mac.doFinal(text.getBytes(StandardCharsets.US_ASCII));
            return java.util.Arrays.copyOf(full, MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int nonceCount(String nc) {
        if (nc.length() != 8) {
            return -1;
        }
        try {
            return Integer.parseUnsignedInt(nc, 16) >= REPLAYS ? REPLAYS : Integer.parseInt(nc, 16);
        } catch (NumberFormatException notHex) {
            return -1;
        }
    }

    private Verdict challenge(String realm, boolean stale) {
        return unauthorized("Digest algorithm=\"MD5\", qop=\"auth\", realm=\"" + realm + "\", nonce=\"" + nonce() + "\""
                + (stale ? ", stale=true" : ""));
    }

    /** 401, with the challenge if there is one: none for an address that failed too often. */
    private static Verdict unauthorized(String challenge) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (challenge != null) {
            headers.set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
        }
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return new Verdict.Answer(401, headers, "401 Unauthorized\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static String md5(String text) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
