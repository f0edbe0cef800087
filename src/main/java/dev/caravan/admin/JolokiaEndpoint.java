package dev.caravan.admin;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.management.ObjectName;
import org.jolokia.core.api.LogHandler;
import org.jolokia.json.JSONStructure;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.StaticConfiguration;
import org.jolokia.server.core.http.HttpRequestHandler;
import org.jolokia.server.core.restrictor.AllowAllRestrictor;
import org.jolokia.server.core.service.JolokiaServiceManagerFactory;
import org.jolokia.server.core.service.api.JolokiaServiceManager;
import org.jolokia.server.core.util.RequestType;
import org.jolokia.service.jmx.LocalRequestHandler;
import org.jolokia.service.serializer.JolokiaSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JMX over HTTP: Jolokia's request handler behind the admin port's {@code /jolokia}, read-only. Reads,
 * searches and lists pass; writes and operations are refused, so HTTP can observe Caravan but never
 * change it (operations go through remote JMX with a password file).
 */
public final class JolokiaEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(JolokiaEndpoint.class);

    private static final Set<String> HIDDEN_RUNTIME = Set.of("SystemProperties", "InputArguments", "ClassPath",
            "BootClassPath", "LibraryPath");
    /** The request types served; Jolokia does not ask the restrictor about notifications, so this does. */
    private static final Set<String> READ_TYPES = Set.of("read", "list", "search", "version");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads only: no attribute writes, no operations, no notifications. */
    static final class ReadOnly extends AllowAllRestrictor {

        @Override
        public boolean isTypeAllowed(RequestType type) {
            return type == RequestType.READ || type == RequestType.LIST || type == RequestType.SEARCH
                    || type == RequestType.VERSION;
        }

        @Override
        public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
            return false;
        }

        /** The JVM's command line and system properties may carry secrets: not for HTTP. */
        @Override
        public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
            return !(name.getDomain().equals("java.lang") && "Runtime".equals(name.getKeyProperty("type"))
                    && attribute != null && HIDDEN_RUNTIME.contains(attribute));
        }

        @Override
        public boolean isOperationAllowed(ObjectName name, String operation) {
            return false;
        }
    }

    private final JolokiaServiceManager services;
    private HttpRequestHandler handler;

    public JolokiaEndpoint() {
        services = JolokiaServiceManagerFactory.createJolokiaServiceManager(
                new StaticConfiguration(ConfigKey.AGENT_ID, "caravan"), new Log(), new ReadOnly());
        services.addService(new JolokiaSerializer());
        services.addService(new LocalRequestHandler(1));
    }

    public synchronized void start() {
        if (handler == null) {
            handler = new HttpRequestHandler(services.start());
        }
    }

    public synchronized void stop() {
        if (handler != null) {
            services.stop();
            handler = null;
        }
    }

    /**
     * Answers one request.
     *
     * @param pathInfo what follows {@code /jolokia} in the path, e.g. {@code /read/java.lang:type=Memory}
     * @param query    the raw query string, or {@code null}
     * @param body     a POST's body (bulk requests), or {@code null} for a GET
     */
    public String handle(String uri, String pathInfo, String query, byte[] body) {
        HttpRequestHandler current;
        synchronized (this) {
            current = handler;
        }
        if (current == null) {
            return "{\"status\":503,\"error\":\"Jolokia is not running\"}";
        }
        try {
            // as a servlet's getPathInfo(): decoded, so that an MBean's quoted name ("%22listener-http%22") reads as
            // written, and an escaped request type is checked as what Jolokia takes it for; Jolokia's own escape
            // of a slash within a name is !/
            pathInfo = pathInfo == null ? null : URLDecoder.decode(pathInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException broken) {
            return "{\"status\":400,\"error\":\"broken percent-escape in the path\"}";
        }
        Map<String, String[]> params = params(query);
        // Jolokia takes a GET's request from the query's p when the path has none: that one is checked then
        String[] pathParameter = params.get("p");
        String requested = (pathInfo == null || pathInfo.chars().allMatch(c -> c == '/')) && pathParameter != null
                ? pathParameter[0] : pathInfo;
        if (!onlyReads(requested, body)) {
            return "{\"status\":403,\"error\":\"Caravan's Jolokia is read-only: read, list, search and version\"}";
        }
        try {
            JSONStructure answer = body == null
                    ? current.handleGetRequest(uri, pathInfo == null || pathInfo.isEmpty() ? "/" : pathInfo, params)
                    : current.handlePostRequest(uri, new ByteArrayInputStream(body), StandardCharsets.UTF_8.name(),
                            params);
            return answer == null ? "{}" : answer.toJSONString();
        } catch (Exception e) {
            return "{\"status\":400,\"error\":" + quote(e.getMessage()) + "}";
        }
    }

    /** Whether a GET's path or every request of a POST's body is of a read type. */
    private static boolean onlyReads(String pathInfo, byte[] body) {
        if (body == null) {
            String path = pathInfo == null ? "" : pathInfo.startsWith("/") ? pathInfo.substring(1) : pathInfo;
            int slash = path.indexOf('/');
            String type = (slash < 0 ? path : path.substring(0, slash)).toLowerCase(Locale.ROOT);
            return type.isEmpty() || READ_TYPES.contains(type);
        }
        try {
            JsonNode requests = JSON.readTree(body);
            if (requests == null || !(requests.isObject() || requests.isArray())) {
                return false;
            }
            for (JsonNode request : requests.isArray() ? requests : List.of(requests)) {
                if (!request.isObject() || !READ_TYPES.contains(request.path("type").asText("").toLowerCase(Locale.ROOT))) {
                    return false;
                }
            }
            return true;
        } catch (IOException notJson) {
            return false;
        }
    }

    private static Map<String, String[]> params(String query) {
        Map<String, String[]> params = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            params.merge(name, new String[] {value}, (a, b) -> {
                String[] both = new String[a.length + 1];
                System.arraycopy(a, 0, both, 0, a.length);
                both[a.length] = b[0];
                return both;
            });
        }
        return params;
    }

    private static String quote(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(String.valueOf(text))) + "\"";
    }

    private static final class Log implements LogHandler {
        @Override
        public void debug(String message) {
            LOG.debug(message);
        }

        @Override
        public void info(String message) {
            LOG.debug(message);
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.warn(message, t);
        }

        @Override
        public boolean isDebug() {
            return LOG.isDebugEnabled();
        }
    }
}
