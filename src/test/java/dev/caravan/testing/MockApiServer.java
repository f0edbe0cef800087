package dev.caravan.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.MockServerExpectation;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.MockServerExpectationImpl;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A fake Kubernetes API server for tests: fabric8's {@link KubernetesMockServer} in CRUD mode (the real fabric8
 * client, informers included, can create, get, list, update, patch, delete and watch any kind), plus the faults
 * Caravan's cluster-source tests need.
 *
 * <h2>Life cycle</h2>
 * {@link #reserve()} picks a free loopback port and returns a server that is <em>not yet listening</em>; its
 * {@link #client()} already points at that port, so informers can be created and started against a cluster that is
 * "down". {@link #start()} listens, {@link #stop()} closes the listening socket and every connection (open watches see
 * their connection end), and {@link #start()} again listens on the same port. The stored objects and the
 * resourceVersion counter live in one {@link KubernetesCrudDispatcher} that outlives the restarts, so a restart looks
 * like an API server restart in front of an intact etcd. {@link #started()} is {@code reserve().start()}.
 *
 * <h2>Watch faults</h2>
 * The CRUD dispatcher serves every {@code ?watch=true} request as a WebSocket (that is also what fabric8 7.5.2's
 * informers use by default). This class tracks each open watch and can:
 * <ul>
 * <li>{@link #muteWatches()}: keep the open watches connected but silently drop every event sent on them from now
 * on, like a watch that stalled. Changes made after this are not seen as watch events by the current watchers.</li>
 * <li>{@link #expireWatches()}: "compact" the history at the current resourceVersion, like etcd compaction. Every
 * open watch gets an {@code ERROR} event carrying a {@link Status} with code 410 (reason {@code Expired}, "too old
 * resource version") and is closed, and any later watch request asking for a resourceVersion older than the
 * compaction point gets the same 410 at once. A fabric8 informer answers 410 by listing again (a relist), and
 * reports every object that it had cached but that is missing from the new list as
 * {@code onDelete(obj, deletedFinalStateUnknown = true)}.</li>
 * <li>{@link #dropWatches()}: close the open watches without an error, as a load balancer or a flaky network
 * would; the client reconnects from the last resourceVersion it saw (no relist unless the history was compacted).</li>
 * <li>{@link #changeBehindWatches(Runnable)}: mute, make a change, expire: the usual way to make an informer miss an
 * event and have to find it by relisting.</li>
 * </ul>
 * Watches that are still being opened while one of these runs are not affected.
 *
 * <h2>Limits of the underlying mock</h2>
 * The CRUD mock does not keep a history: a watch that (re)connects from resourceVersion N is sent an {@code ADDED}
 * event for every object that exists now rather than the changes after N; fabric8's informer turns those into no
 * notification when the resourceVersion is unchanged, and into {@code onUpdate} otherwise, but it never learns of a
 * delete it missed that way. Use {@link #expireWatches()} to model a history that cannot be replayed. A plain HTTP
 * (non-WebSocket) watch is answered 400, which fabric8 retries forever; fabric8 only falls back to one when the
 * WebSocket upgrade itself fails or {@code Config.onlyHttpWatches} is set. Deletes do not advance the
 * resourceVersion counter.
 *
 * <h2>Watches from a resourceVersion</h2>
 * {@link #watchingFromVersion()} makes a watch that asks for resourceVersion N replay only the objects changed after N,
 * as a real API server starts a watch at the list's version. For benchmarks that time a start-up: the full replay
 * doubles what a client decodes after its lists, and the mock builds it on its event loop, in front of other requests.
 * A delete between a client's list and its watch is not sent (the mock keeps no history of deletes).
 *
 * <h2>Expectations</h2>
 * {@link #expect()} gives fabric8's expectation DSL: a request that matches a recorded expectation (exact method and
 * path, query included) is answered from it, everything else by the CRUD store, as in fabric8's own
 * {@code KubernetesMixedDispatcher}. Use it for one-off errors, e.g.
 * {@code expect().get().withPath("/api/v1/services").andReturn(500, "boom").times(3)}.
 */
public final class MockApiServer implements AutoCloseable {

    /** The namespace that {@link #client()} uses when none is given. */
    public static final String NAMESPACE = "default";

    private final InetAddress address = InetAddress.getLoopbackAddress();
    private final int port;
    private final Map<ServerRequest, Queue<ServerResponse>> responses = Collections.synchronizedMap(new HashMap<>());
    @SuppressWarnings("deprecation") // the same mapper fabric8's own KubernetesMockServerExtension uses
    private final Context context = new Context(Serialization.jsonMapper());
    private final Store store = new Store();
    private final Set<TrackedWatch> openWatches = ConcurrentHashMap.newKeySet();
    /** Watches that ask for a resourceVersion below this one get 410 Gone; 0 means no compaction yet. */
    private final AtomicLong compactedBelow = new AtomicLong();
    private final List<KubernetesClient> clients = Collections.synchronizedList(new ArrayList<>());
    private final Queue<String> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean watchFromVersion;
    private KubernetesMockServer server;
    private KubernetesClient client;

    private MockApiServer(int port) {
        this.port = port;
    }

    /**
     * Picks a free port on 127.0.0.1 and returns a server for it that is not listening yet (call {@link #start()}).
     * The port is free when picked; nothing holds it until {@link #start()}.
     */
    public static MockApiServer reserve() {
        return new MockApiServer(FreePorts.next());
    }

    /** A server that is already listening: {@code reserve().start()}. */
    public static MockApiServer started() {
        return reserve().start();
    }

    /**
     * Starts listening on this server's port (again, after a {@link #stop()}), keeping the stored objects.
     *
     * @throws IllegalStateException if it is running already, or the port cannot be bound
     */
    public synchronized MockApiServer start() {
        if (server != null) {
            throw new IllegalStateException("already running on port " + port);
        }
        // A MockWebServer cannot be started twice (its Vert.x instance is closed by shutdown), so each start gets a new
        // one in front of the same store.
        KubernetesMockServer fresh = new KubernetesMockServer(context, new MockWebServer(), responses, new Front(), false);
        fresh.init(address, port);
        server = fresh;
        return this;
    }

    /**
     * Stops listening and closes every connection, open watches included; the stored objects are kept for the next
     * {@link #start()}. Does nothing if it is not running.
     */
    public synchronized MockApiServer stop() {
        KubernetesMockServer running = server;
        if (running != null) {
            server = null;
            running.destroy();
            // Vert.x has closed the sockets; forget watches whose close callback did not reach us.
            openWatches.clear();
        }
        return this;
    }

    /** {@link #stop()} then {@link #start()} on the same port. */
    public synchronized MockApiServer restart() {
        return stop().start();
    }

    /** Whether it is listening now. */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** The loopback port, fixed for the life of this object. */
    public int port() {
        return port;
    }

    /** The API server's URL, {@code http://127.0.0.1:PORT/}. */
    public String url() {
        return "http://" + address.getHostAddress() + ":" + port + "/";
    }

    /**
     * A client configuration for this server with short timeouts and backoff, suited to tests:
     * plain HTTP, namespace {@value #NAMESPACE}, connect timeout 1 s, request timeout 3 s (also the WebSocket
     * connect timeout of watches), at most 2 retries of a failed request 50 ms apart, watch reconnect and informer
     * relist backoff starting at 50 ms (fabric8 doubles it up to 32 times that: 1.6 s), unlimited watch reconnects.
     * No kubeconfig, environment or service-account file is read.
     */
    public Config config() {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(url())
                .withNamespace(NAMESPACE)
                .withHttp2Disable(true)
                .withConnectionTimeout(1_000)
                .withRequestTimeout(3_000)
                .withRequestRetryBackoffLimit(2)
                .withRequestRetryBackoffInterval(50)
                .withWatchReconnectInterval(50)
                .withWatchReconnectLimit(-1)
                .build();
    }

    /** The shared client for this server (made on first use, closed by {@link #close()}); works before start. */
    public synchronized KubernetesClient client() {
        if (client == null) {
            client = newClient();
        }
        return client;
    }

    /** A new client with {@link #config()}, closed by {@link #close()} unless closed before. */
    public KubernetesClient newClient() {
        KubernetesClient made = new KubernetesClientBuilder().withConfig(config()).build();
        clients.add(made);
        return made;
    }

    /**
     * Fabric8's expectation DSL; a request that matches an expectation is answered from it instead of the store.
     * Expectations are kept across restarts.
     */
    public MockServerExpectation expect() {
        return new MockServerExpectationImpl(responses, context);
    }

    /**
     * Every request received so far, across restarts, oldest first, as {@code METHOD PATH} with the query
     * (e.g. {@code GET /api/v1/services?watch=true}): what a client asked, whatever the answer.
     */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /**
     * Stores objects as if each had been created through the API (namespace, uid, creationTimestamp, generation and
     * a new resourceVersion set), without a request each: the CRUD mock scans its whole store on every create, so
     * creating tens of thousands of objects one request at a time takes quadratic time. For benchmarks; call it
     * before anything watches, as it tells no watcher.
     */
    public synchronized void preload(Collection<? extends HasMetadata> objects) {
        String created = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                .format(DateTimeFormatter.ISO_INSTANT);
        for (HasMetadata object : objects) {
            ObjectMeta metadata = object.getMetadata();
            boolean namespaced = object instanceof Namespaced;
            if (namespaced && (metadata.getNamespace() == null || metadata.getNamespace().isEmpty())) {
                metadata.setNamespace(NAMESPACE);
            }
            metadata.setUid(UUID.randomUUID().toString());
            metadata.setCreationTimestamp(created);
            metadata.setResourceVersion(String.valueOf(store.requestResourceVersion()));
            metadata.setGeneration(1L);
            String path = (object.getApiVersion().contains("/") ? "/apis/" : "/api/") + object.getApiVersion()
                    + (namespaced ? "/namespaces/" + metadata.getNamespace() : "") + "/" + HasMetadata.getPlural(object.getClass());
            String json = Serialization.asJson(object);
            store.processEvent(path, store.getKey(path).add(new Attribute(KubernetesAttributesExtractor.NAME,
                    metadata.getName())), null, Serialization.unmarshal(json, GenericKubernetesResource.class), json);
        }
    }

    /**
     * From now on, a watch from resourceVersion N is not sent the objects at N or below, as a real API server's
     * watch starts at the version its client listed (see the class comment).
     */
    public MockApiServer watchingFromVersion() {
        watchFromVersion = true;
        return this;
    }

    /** How many watches are open now. */
    public int openWatches() {
        return openWatches.size();
    }

    /**
     * Keeps the open watches connected but drops every event sent on them from now on, so that changes made after
     * this call are not seen as watch events by the current watchers. Watches opened later are not muted.
     *
     * @return how many watches were muted
     */
    public int muteWatches() {
        List<TrackedWatch> now = new ArrayList<>(openWatches);
        now.forEach(TrackedWatch::mute);
        return now.size();
    }

    /**
     * Compacts the history at the current resourceVersion: every open watch gets an {@code ERROR} event with a
     * {@code Status} of code 410 ({@code Expired}) and is closed, and every later watch request from an older
     * resourceVersion gets the same at once. A fabric8 informer then lists again and reports what it missed.
     *
     * @return how many open watches were expired
     */
    public int expireWatches() {
        long compaction = store.requestResourceVersion(); // above every resourceVersion handed out so far
        compactedBelow.accumulateAndGet(compaction, Math::max);
        List<TrackedWatch> now = new ArrayList<>(openWatches);
        now.forEach(watch -> watch.expire(compaction));
        return now.size();
    }

    /**
     * Closes every open watch with a normal close frame and no error; clients reconnect from the last
     * resourceVersion they saw.
     *
     * @return how many watches were closed
     */
    public int dropWatches() {
        List<TrackedWatch> now = new ArrayList<>(openWatches);
        now.forEach(watch -> watch.close(1001, "dropped by MockApiServer"));
        return now.size();
    }

    /**
     * Makes {@code change} happen without the current watchers seeing it as a watch event, then expires their
     * watches: {@link #muteWatches()}, {@code change.run()}, {@link #expireWatches()}.
     */
    public void changeBehindWatches(Runnable change) {
        muteWatches();
        change.run();
        expireWatches();
    }

    /** Closes every client made here and stops the server. */
    @Override
    public void close() {
        List<KubernetesClient> made;
        synchronized (clients) {
            made = new ArrayList<>(clients);
            clients.clear();
        }
        made.forEach(KubernetesClient::close);
        stop();
    }

    @Override
    public String toString() {
        return "MockApiServer[" + url() + (isRunning() ? ", running" : ", stopped") + ", " + openWatches() + " watches]";
    }

    private static String goneEvent(long requested, long compaction) {
        Status status = new StatusBuilder()
                .withStatus("Failure")
                .withReason("Expired")
                .withCode(410)
                .withMessage("too old resource version: " + requested + " (" + compaction + ")")
                .build();
        return Serialization.asJson(new WatchEvent(status, "ERROR"));
    }

    /** The requested resourceVersion of a watch, or 0 when it asks for none (or for "any", 0). */
    private static long requestedVersion(String path) {
        String query = URI.create(path).getRawQuery();
        if (query == null) {
            return 0;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("resourceVersion=")) {
                try {
                    return Long.parseLong(pair.substring("resourceVersion=".length()));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** An object's {@code metadata.resourceVersion}, or 0; read without binding the object, as the replay reads many. */
    private static final JsonFactory JSON = new JsonFactory();

    private static long resourceVersion(String json) {
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return 0;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean metadata = "metadata".equals(parser.currentName());
                if (parser.nextToken() != JsonToken.START_OBJECT || !metadata) {
                    parser.skipChildren();
                    continue;
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    boolean version = "resourceVersion".equals(parser.currentName());
                    parser.nextToken();
                    if (version) {
                        return Long.parseLong(parser.getValueAsString("0"));
                    }
                    parser.skipChildren();
                }
                return 0;
            }
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Answers from the recorded expectations when one matches, else from the store (as KubernetesMixedDispatcher). */
    private final class Front extends Dispatcher {
        private final MockDispatcher expectations = new MockDispatcher(responses);

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            requests.add(request.getMethod() + " " + request.getPath());
            Queue<ServerResponse> queue = responses.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()),
                    request.getPath()));
            if (queue != null && !queue.isEmpty()) {
                return expectations.dispatch(request);
            }
            return store.dispatch(request);
        }

        @Override
        public void shutdown() {
            expectations.shutdown(); // not the store: it outlives this server
        }
    }

    /** The CRUD store; wraps every watch it opens so that this class can find, mute, expire and drop it. */
    private final class Store extends KubernetesCrudDispatcher {
        @Override
        public MockResponse handleWatch(String path) {
            long requested = requestedVersion(path);
            long compaction = compactedBelow.get();
            if (requested > 0 && requested < compaction) {
                return new MockResponse().withWebSocketUpgrade(new GoneWatch(requested, compaction));
            }
            MockResponse response = super.handleWatch(path);
            if (watchFromVersion && requested > 0) {
                replayOnlyAfter(response.getWebSocketListener(), requested);
            }
            return response.withWebSocketUpgrade(new TrackedWatch(response.getWebSocketListener()));
        }

        /**
         * fabric8's watch listener (a package-private class) replays every stored object in its open action; this
         * replaces that action with one that replays only the objects changed after {@code version}. Reflection,
         * as the mock offers no hook: if fabric8 changes the class, this fails loudly rather than measure a replay.
         */
        private void replayOnlyAfter(WebSocketListener watch, long version) {
            try {
                Class<?> type = watch.getClass();
                Field openAction = type.getDeclaredField("onOpenAction");
                Method matches = type.getDeclaredMethod("attributeMatches", AttributeSet.class);
                Method send = type.getDeclaredMethod("sendWebSocketResponse", String.class, Watcher.Action.class);
                openAction.setAccessible(true);
                matches.setAccessible(true);
                send.setAccessible(true);
                // under the map's lock, as fabric8's own replay holds the store's: no write lands between an
                // object read and its ADDED sent, so a later MODIFIED cannot overtake it
                Field latest = KubernetesCrudDispatcher.class.getDeclaredField("resourceVersion");
                latest.setAccessible(true);
                Consumer<Object> replay = listener -> {
                    synchronized (map) {
                        try {
                            if (((AtomicLong) latest.get(this)).get() <= version) {
                                // nothing written since the version asked for (a start-up's watches): no object to
                                // look at, where reading each one's version cost a core while the client compiled
                                return;
                            }
                            for (Map.Entry<AttributeSet, String> entry : map.entrySet()) {
                                if ((Boolean) matches.invoke(listener, entry.getKey())
                                        && resourceVersion(entry.getValue()) > version) {
                                    send.invoke(listener, entry.getValue(), Watcher.Action.ADDED);
                                }
                            }
                        } catch (ReflectiveOperationException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                };
                openAction.set(watch, replay);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("fabric8's mock watch listener changed; watchingFromVersion needs updating", e);
            }
        }
    }

    /** A watch from a resourceVersion older than the compaction point: 410 at once, then close. */
    private static final class GoneWatch extends WebSocketListener {
        private final long requested;
        private final long compaction;

        GoneWatch(long requested, long compaction) {
            this.requested = requested;
            this.compaction = compaction;
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            webSocket.send(goneEvent(requested, compaction));
            webSocket.close(1000, "");
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            webSocket.close(code, reason);
        }
    }

    /**
     * Sits between the Vert.x WebSocket and fabric8's watch listener: the listener sends its events through
     * {@link #gate}, which can be muted, while this class can still write to the real socket.
     */
    private final class TrackedWatch extends WebSocketListener {
        private final WebSocketListener delegate;
        private volatile WebSocket socket;
        private volatile WebSocket gate;
        private volatile boolean muted;

        TrackedWatch(WebSocketListener delegate) {
            this.delegate = delegate;
        }

        private synchronized WebSocket gate(WebSocket real) {
            if (gate == null) {
                socket = real;
                gate = new WebSocket() {
                    @Override
                    public RecordedRequest request() {
                        return real.request();
                    }

                    @Override
                    public boolean send(String text) {
                        return muted || real.send(text);
                    }

                    @Override
                    public boolean send(byte[] bytes) {
                        return muted || real.send(bytes);
                    }

                    @Override
                    public boolean close(int code, String reason) {
                        return real.close(code, reason);
                    }
                };
            }
            return gate;
        }

        void mute() {
            muted = true;
        }

        void expire(long compaction) {
            muted = true; // nothing after the ERROR event
            WebSocket real = socket;
            if (real != null) {
                real.send(goneEvent(requestedVersion(real.request().getPath()), compaction));
                real.close(1000, "");
            }
        }

        void close(int code, String reason) {
            WebSocket real = socket;
            if (real != null) {
                real.close(code, reason);
            }
        }

        @Override
        public void onBeforeAccept(WebSocket webSocket, Response response) {
            delegate.onBeforeAccept(gate(webSocket), response);
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            WebSocket gated = gate(webSocket);
            openWatches.add(this);
            delegate.onOpen(gated, response);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            delegate.onMessage(gate(webSocket), text);
        }

        @Override
        public void onMessage(WebSocket webSocket, byte[] bytes) {
            delegate.onMessage(gate(webSocket), bytes);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            delegate.onClosing(gate(webSocket), code, reason);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            openWatches.remove(this);
            delegate.onClosed(gate(webSocket), code, reason);
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable error, Response response) {
            openWatches.remove(this);
            delegate.onFailure(gate(webSocket), error, response);
        }
    }
}
