package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What an interceptor route's message means for the request: changes, an answer, or a refusal. */
class RequestInterceptorsTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        camel.close();
    }

    private static Map<String, List<String>> before(Object... nameValues) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.put((String) nameValues[i], List.of((String) nameValues[i + 1]));
        }
        return headers;
    }

    private Exchange leftBehind(Map<String, Object> headers) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeaders(new TreeMap<>(String.CASE_INSENSITIVE_ORDER));
        exchange.getMessage().getHeaders().putAll(headers);
        return exchange;
    }

    @Test
    void onlyAddedChangedAndRemovedHeadersAreChangesAndCamelsOwnAndFramingAreNeverTaken() {
        Exchange exchange = leftBehind(Map.of("Accept", "*/*", "x-user", "alice", "X-Roles", List.of("a", "b"),
                "Authorization", "Bearer changed", "CamelHttpPath", "/x", "Content-Length", "99",
                "Transfer-Encoding", "chunked", "Host", "elsewhere"));
        Verdict verdict = RequestInterceptors.verdict(exchange,
                before("Accept", "*/*", "Authorization", "Bearer t", "X-Token", "t", "Host", "a.test",
                        "Content-Length", "3"), "r");
        assertThat(verdict).isInstanceOf(Verdict.Proceed.class);
        Verdict.Proceed proceed = (Verdict.Proceed) verdict;
        assertThat(proceed.set()).containsOnlyKeys("x-user", "X-Roles", "Authorization");
        assertThat(proceed.set().get("X-Roles")).containsExactly("a", "b");
        assertThat(proceed.removed()).containsExactly("X-Token");
    }

    @Test
    void aResponseCodeMakesAnAnswerWithTheRouteSHeadersAndBody() {
        Exchange exchange = leftBehind(Map.of("Host", "a.test", "WWW-Authenticate", "Basic",
                Exchange.HTTP_RESPONSE_CODE, 401, Exchange.CONTENT_TYPE, "text/plain"));
        exchange.getMessage().setBody("who are you?");
        Verdict verdict = RequestInterceptors.verdict(exchange, before("Host", "a.test"), "r");
        assertThat(verdict).isInstanceOf(Verdict.Answer.class);
        Verdict.Answer answer = (Verdict.Answer) verdict;
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.headers().get("WWW-Authenticate")).isEqualTo("Basic");
        assertThat(answer.headers().get("Content-Type")).isEqualTo("text/plain");
        assertThat(answer.headers().contains("Host")).isFalse();
        assertThat(new String(answer.body())).isEqualTo("who are you?");
    }

    @Test
    void aStatusThatIsNoFinalHttpStatusIsTheRoutesFailure() {
        Exchange exchange = leftBehind(Map.of(Exchange.HTTP_RESPONSE_CODE, 101));
        Verdict verdict = RequestInterceptors.verdict(exchange, before(), "r");
        assertThat(verdict).isInstanceOf(Verdict.Refused.class);
        assertThat(((Verdict.Refused) verdict).status().code()).isEqualTo(500);
    }
}
