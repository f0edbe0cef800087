package dev.caravan.gateway;

import dev.caravan.extension.UserRoutes;
import dev.caravan.routing.SettableHeaders;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Runs the request interceptors Ingresses opt into ({@code caravan.dev/request-route}): a user's
 * {@code direct:} route that sees a request's head — never its body, which waits unread in the socket — and
 * either lets the request go on to the pods, with the headers it added, changed or removed, or answers it
 * itself by setting {@code CamelHttpResponseCode}. The route runs on {@link UserRoutes}' pool, never on an
 * event loop; when that pool is full the request gets 503.
 */
public final class RequestInterceptors {

    /** The largest answer body an interceptor may give; larger is an interceptor failure. */
    static final int MAX_ANSWER_BODY = 1024 * 1024;
    private final UserRoutes routes;

    public RequestInterceptors(UserRoutes routes) {
        this.routes = routes;
    }

    /** The check that runs {@code routeId}. */
    RequestCheck check(String routeId) {
        return (head, done) -> run(routeId, head, done);
    }

    /** Runs {@code routeId} for {@code head} off the event loops; {@code done} is called once, on some thread. */
    private void run(String routeId, RequestHead head, Consumer<Verdict> done) {
        Exchange exchange = routes.newExchange();
        Message message = exchange.getMessage();
        Map<String, List<String>> before = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : head.headers()) {
            // a client's Camel* headers would steer the route's producers (file:, http:, ...): never passed in
            if (!SettableHeaders.internal(header.getKey())) {
                before.computeIfAbsent(header.getKey(), name -> new ArrayList<>(1)).add(header.getValue());
            }
        }
        before.forEach((name, values) -> message.setHeader(name, values.size() == 1 ? values.get(0) : values));
        QueryStringDecoder uri = new QueryStringDecoder(head.uri());
        message.setHeader(Exchange.HTTP_METHOD, head.method());
        message.setHeader(Exchange.HTTP_URI, head.uri());
        message.setHeader(Exchange.HTTP_PATH, uri.rawPath());
        message.setHeader(Exchange.HTTP_QUERY, uri.rawQuery().isEmpty() ? null : uri.rawQuery());
        message.setHeader("CaravanClientAddress", head.client());
        message.setHeader("CaravanIngress", head.ingress() == null ? null : head.ingress().toString());
        routes.send(routeId, exchange, head.waiting(), outcome -> done.accept(switch (outcome) {
            case NO_ROUTE -> new Verdict.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "no started route " + routeId + " consuming a direct: endpoint");
            case BUSY -> new Verdict.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "user routes busy (" + routes.capacity() + ")");
            case ABANDONED -> new Verdict.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "the client has gone");
            case RAN -> exchange.getException() != null ? new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "request route " + routeId + " failed: " + exchange.getException())
                    : checkedVerdict(exchange, before, routeId);
        }));
    }

    /** {@link #verdict}, with what the route left that is no HTTP (a status that is no number, a header with CR LF) as its failure. */
    private static Verdict checkedVerdict(Exchange exchange, Map<String, List<String>> before, String routeId) {
        try {
            Verdict verdict = verdict(exchange, before, routeId);
            if (verdict instanceof Verdict.Proceed proceed) {
                // Netty's headers validate names and values: fail here, on the route's pool, not on the event loop
                HttpHeaders check = new DefaultHttpHeaders();
                proceed.set().forEach(check::set);
            }
            return verdict;
        } catch (RuntimeException e) {
            return new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR, "request route " + routeId
                    + " left what makes no HTTP: " + e.getMessage());
        }
    }

    /** Compares the message the route left with the request it was given. */
    static Verdict verdict(Exchange exchange, Map<String, List<String>> before, String routeId) {
        Message message = exchange.getMessage();
        Map<String, List<String>> after = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, Object> header : message.getHeaders().entrySet()) {
            String name = header.getKey();
            if (SettableHeaders.settable(name) && header.getValue() != null) {
                after.put(name, values(exchange, header.getValue()));
            }
        }
        Map<String, List<String>> set = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        after.forEach((name, values) -> {
            if (!values.equals(before.get(name))) {
                set.put(name, values);
            }
        });
        Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status != null) {
            if (status < 200 || status > 599) {
                return new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "request route " + routeId + " answered with status " + status + ", not 200-599");
            }
            byte[] body = message.getBody() == null ? new byte[0] : message.getBody(byte[].class);
            if (body == null || body.length > MAX_ANSWER_BODY) {
                return new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR, "request route " + routeId
                        + " answered with a body that is not bytes or larger than " + MAX_ANSWER_BODY);
            }
            HttpHeaders headers = new DefaultHttpHeaders();
            set.forEach(headers::add);
            String contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
            if (contentType != null) {
                headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            }
            return new Verdict.Answer(status, headers, body);
        }
        Set<String> removed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : before.keySet()) {
            if (SettableHeaders.settable(name) && !after.containsKey(name)) {
                removed.add(name);
            }
        }
        return new Verdict.Proceed(set, removed);
    }

    private static List<String> values(Exchange exchange, Object value) {
        List<String> values = new ArrayList<>(1);
        if (value instanceof Iterable<?> many) {
            for (Iterator<?> it = many.iterator(); it.hasNext();) {
                Object one = it.next();
                if (one != null) {
                    values.add(exchange.getContext().getTypeConverter().convertTo(String.class, exchange, one));
                }
            }
        } else {
            values.add(exchange.getContext().getTypeConverter().convertTo(String.class, exchange, value));
        }
        values.removeIf(Objects::isNull);
        return values;
    }
}
