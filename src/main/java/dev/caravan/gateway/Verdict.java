package dev.caravan.gateway;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a {@link RequestCheck} decided about one request. */
sealed interface Verdict {

    /**
     * Go on, with these header changes.
     *
     * @param set           headers to set, each with all its values
     * @param removed       headers to remove
     * @param cookies       {@code Set-Cookie} values for the client's response
     * @param cookiesAlways whether {@code cookies} go with any response; else only with a success or a redirect
     */
    record Proceed(Map<String, List<String>> set, Set<String> removed, List<String> cookies, boolean cookiesAlways)
            implements Verdict {

        Proceed(Map<String, List<String>> set, Set<String> removed) {
            this(set, removed, List.of(), false);
        }
    }

    /** The check answered the request itself: the client gets this, the pod never sees the request. */
    record Answer(int status, HttpHeaders headers, byte[] body) implements Verdict {
    }

    /** The check could not decide (missing, failed, busy): the client gets this status. */
    record Refused(HttpResponseStatus status, String reason) implements Verdict {
    }
}
