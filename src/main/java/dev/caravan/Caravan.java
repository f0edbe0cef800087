package dev.caravan;

import dev.caravan.admin.AccessLog;
import dev.caravan.admission.AdmissionWebhook;
import dev.caravan.admin.AdminRoutes;
import dev.caravan.admin.ControllerMetrics;
import dev.caravan.admin.JolokiaEndpoint;
import dev.caravan.admin.Management;
import dev.caravan.admin.Readiness;
import dev.caravan.admin.RemoteJmx;
import dev.caravan.admin.ClientProtocolMetrics;
import dev.caravan.admin.RequestMetrics;
import dev.caravan.admin.StreamMetrics;
import dev.caravan.balance.RateLimiters;
import dev.caravan.cli.CaravanOptions;
import dev.caravan.cli.LiveConfigMap;
import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCompiler;
import dev.caravan.compile.Recompiler;
import dev.caravan.extension.RouteFolder;
import dev.caravan.extension.RouteFolderRoutes;
import dev.caravan.extension.RouteReferences;
import dev.caravan.extension.UserRoutes;
import dev.caravan.gateway.UserAuthentication;
import dev.caravan.gateway.ClientFailures;
import dev.caravan.gateway.ClientProtocolFailures;
import dev.caravan.gateway.ConnectionLimit;
import dev.caravan.gateway.ExternalAuth;
import dev.caravan.gateway.RequestMirrors;
import dev.caravan.gateway.HttpListener;
import dev.caravan.gateway.ListenerRoutes;
import dev.caravan.gateway.ListenerSettings;
import dev.caravan.gateway.ListenerShared;
import dev.caravan.gateway.RequestInterceptors;
import dev.caravan.gateway.RequestObserver;
import dev.caravan.gateway.StreamListeners;
import dev.caravan.gateway.StreamObserver;
import dev.caravan.gateway.UpgradedConnections;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.source.ExternalNameResolver;
import dev.caravan.source.ManifestFolder;
import dev.caravan.source.ManifestFolderRoutes;
import dev.caravan.source.StateSource;
import dev.caravan.source.kubernetes.ControllerZone;
import dev.caravan.source.kubernetes.DecoderWarmUp;
import dev.caravan.source.kubernetes.KubernetesClients;
import dev.caravan.source.kubernetes.KubernetesSource;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.ResourceKind;
import dev.caravan.status.ChangePublisher;
import dev.caravan.status.IngressStatusWriter;
import dev.caravan.status.KubernetesEventReporter;
import dev.caravan.status.LeaderElection;
import dev.caravan.status.LoggingProblemReporter;
import dev.caravan.status.ProblemReporter;
import dev.caravan.status.PublishedAddresses;
import dev.caravan.status.StatusRoutes;
import dev.caravan.tls.BackendTrustLoader;
import dev.caravan.tls.CertificateLoader;
import dev.caravan.tls.CertificateStore;
import dev.caravan.tls.GeneratedCertificate;
import dev.caravan.tls.ServerCertificate;
import dev.caravan.tls.TlsSecretReader;
import dev.caravan.tls.TlsSettings;
import dev.caravan.upstream.OutlierDetection;
import dev.caravan.upstream.Transport;
import dev.caravan.upstream.UpstreamClient;
import dev.caravan.upstream.UpstreamSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.MultithreadEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.camel.CamelContext;
import org.apache.camel.ManagementMBeansLevel;
import org.apache.camel.ManagementStatisticsLevel;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Caravan instance: the pipeline of DESIGN.md assembled on a Camel Main. Sources, listeners, the
 * leader's status work and the admin port are Camel routes; the routing state between them is
 * Caravan's own. The source is a manifest folder (standalone) or the Kubernetes API (in a cluster).
 */
public final class Caravan {

    static final String HTTP_LISTENER_BEAN = "caravanHttpListener";
    static final String HTTPS_LISTENER_BEAN = "caravanHttpsListener";
    private static final Logger LOG = LoggerFactory.getLogger(Caravan.class);
    /** User routes may block on calls of their own (an auth service): bounded, and off the event loops. */
    private static final int USER_ROUTE_THREADS = 32;
    private static final int USER_ROUTE_QUEUE = 1024;

    private final CaravanOptions options;
    private final MultithreadEventLoopGroup workers;
    private final AccessLog accessLog;
    private final ClusterStateStore store;
    private final CurrentRoutingTable table = new CurrentRoutingTable();
    private final Recompiler recompiler;
    private final HttpListener httpListener;
    private final HttpListener httpsListener;
    private final StreamListeners streamListeners;
    private final ExternalNameResolver externalNames;
    private final ControllerZone zone;
    private final CertificateStore certificates;
    private final Readiness readiness = new Readiness();
    private final Main main = new Main();
    private final KubernetesClient kubernetes;
    private final IngressStatusWriter statusWriter;
    private final LeaderElection leaderElection;
    private final KubernetesEventReporter eventReporter;
    private final Management management;
    private final RouteFolder routeFolder;
    private final ExternalAuth externalAuth;
    private final RequestMirrors mirrors;
    private final UserAuthentication userAuthentication;
    private final JolokiaEndpoint jolokia;
    private final AdmissionWebhook admissionWebhook;
    private RemoteJmx remoteJmx;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public Caravan(CaravanOptions options) {
        this.options = options;
        this.store = new ClusterStateStore(options.reading());
        TlsSettings tls = options.tlsSettings();
        // the two slow parts of start-up, each on a thread of its own while the rest is assembled
        StartupTask<ServerCertificate> generating = StartupTask.start("caravan-default-certificate",
                () -> GeneratedCertificate.create(tls));
        StartupTask<KubernetesClient> connecting = options.standalone() ? null
                : StartupTask.start("caravan-kubernetes-client",
                        () -> KubernetesClients.create(options.kubeconfig(), options.apiserverHost()));
        workers = Transport.newGroup(options.eventLoops(), new DefaultThreadFactory("caravan-io", true));
        ExternalNameResolver resolver = null;
        try {
            main.configure().setName("caravan");
            // route-level statistics only, and so no per-processor MBeans either: a third of Camel's MBeans, each
            // introspected at start, and none with a statistic to show
            main.configure().setJmxManagementStatisticsLevel(ManagementStatisticsLevel.RoutesOnly);
            main.configure().setJmxManagementMBeansLevel(ManagementMBeansLevel.RoutesOnly);
            // Camel Main forces its stop after this (and 15 s more): never before the drain in beforeStop is done,
            // which takes the grace period and then up to the shutdown timeout (ingress-nginx's is often 240 s)
            main.configure().setShutdownTimeout(shutdownSeconds(options));

            List<ProblemReporter> reporters = new ArrayList<>(List.of(new LoggingProblemReporter()));
            StateSource source;
            if (options.standalone()) {
                ManifestFolder folder = new ManifestFolder(options.manifests(), store);
                main.configure().addRoutesBuilder(new ManifestFolderRoutes(folder, 1000));
                source = folder;
            } else {
                // the informers' routes come first, so that the lists are asked for as soon as Camel starts
                KubernetesSource kubernetesSource = new KubernetesSource(store, options.watchNamespace(),
                        options.watchNamespaceSelector());
                main.configure().addRoutesBuilder(kubernetesSource);
                source = kubernetesSource;
            }
            main.addMainListener(new MainListenerSupport() {
                @Override
                public void beforeStop(BaseMainSupport ignored) {
                    drain();
                    if (statusWriter != null && options.updateStatusOnShutdown()) {
                        clearStatusIfLeader();
                    }
                }
            });

            // ingress-nginx's ConfigMap's keys that the compiler reads follow its changes
            LiveConfigMap liveConfigMap = options.configMap() == null ? null : new LiveConfigMap(options);
            ControllerSettings fixed = liveConfigMap == null ? options.controllerSettings() : null;
            Function<ClusterState, ControllerSettings> controller = liveConfigMap != null ? liveConfigMap
                    : state -> fixed;
            Supplier<ControllerSettings> controllerInForce = liveConfigMap != null ? liveConfigMap::current
                    : () -> fixed;
            ServerCertificate generated = generating.get();
            certificates = new CertificateStore(generated);
            CertificateLoader certificateLoader = new CertificateLoader(new TlsSecretReader(tls), certificates,
                    options.defaultSslCertificate(), generated, Clock.systemUTC());
            UpstreamClient upstreamClient = new UpstreamClient(upstreamSettings(options));
            List<CompilationListener> afterCompile = new ArrayList<>(List.of(certificateLoader,
                    new BackendTrustLoader(upstreamClient.trust())));
            Management management = new Management(table, upstreamClient.drains(), upstreamClient.outliers());
            afterCompile.add(management);
            routeFolder = new RouteFolder(options.routes());
            afterCompile.add(new RouteReferences(main::getCamelContext, routeFolder));
            UpgradedConnections upgrades = new UpgradedConnections(options.upgradeGracePeriod(), table);
            ConnectionLimit connectionLimit = new ConnectionLimit(options.maxConnections());
            Map<Integer, String> ownPorts = new HashMap<>();
            ownPorts.put(options.httpPort(), "--http-port");
            ownPorts.put(options.httpsPort(), "--https-port");
            ownPorts.put(options.adminPort(), "--admin-port");
            // the ports clients reach the listeners on, as ingress-nginx refuses its HTTP and HTTPS ports: the Service
            // in front cannot send one port two ways
            ownPorts.putIfAbsent(options.httpPublicPort(), "--http-public-port");
            ownPorts.putIfAbsent(options.httpsRedirectPort(), "--https-redirect-port");
            if (options.webhookPort() != 0) {
                ownPorts.put(options.webhookPort(), "--webhook-port");
            }
            if (options.jmxPort() != 0) {
                ownPorts.put(options.jmxPort(), "--jmx-port");
            }
            accessLog = options.accessLog() == null ? null : new AccessLog(options.accessLog(), options.logFormat());
            Tags controllerTags = Tags.of("controller_class", options.controllerClass(),
                    "controller_namespace", options.podNamespace(), "controller_pod", options.podName());
            StreamMetrics streamMetrics = options.metrics() ? new StreamMetrics(metrics, controllerTags) : null;
            streamListeners = new StreamListeners(new StreamListeners.Settings(options.bindAddress(),
                    options.proxyStreamTimeout(), options.proxyConnectTimeout(), options.realIp(), ownPorts,
                    options.proxyStreamResponses()), workers, connectionLimit, StreamObserver.both(accessLog,
                    streamMetrics));
            // refused ExternalName Services need no names looked up
            resolver = options.disableSvcExternalName() ? null : new ExternalNameResolver(store, options.resolver());
            externalNames = resolver;
            afterCompile.add((state, compilation) -> {
                upgrades.tableChanged(compilation.table());
                streamListeners.tableChanged(compilation.table());
                if (streamMetrics != null) {
                    streamMetrics.tableChanged(compilation.table());
                }
                if (externalNames != null) {
                    externalNames.tableCompiled(compilation.table().version(), compilation::namesService);
                }
                return List.of();
            });
            List<RequestObserver> observers = new ArrayList<>(List.of(management.endpointCounter()));
            ControllerMetrics controllerMetrics = null;
            if (options.metrics()) {
                RequestMetrics requestMetrics = new RequestMetrics(metrics, controllerTags, options.metricsPerHost(),
                        options.reportStatusClasses(), options.metricsPerUndefinedHost());
                controllerMetrics = new ControllerMetrics(metrics, controllerTags, table, source::synced, certificates,
                        requestMetrics);
                Gauge.builder("caravan.connections.open", connectionLimit, ConnectionLimit::open)
                        .description("Client connections open").register(metrics);
                FunctionCounter.builder("caravan.connections.refused", connectionLimit, ConnectionLimit::refused)
                        .description("Client connections closed at once: --max-connections reached").register(metrics);
                FunctionCounter.builder("caravan.upstream.ejections", upstreamClient.outliers(), OutlierDetection::ejections)
                        .description("Endpoints ejected after consecutive failures").register(metrics);
                if (source instanceof KubernetesSource kubernetesSource) {
                    for (ResourceKind kind : kubernetesSource.kinds()) {
                        Gauge.builder("caravan.informer.synced", kubernetesSource, k -> k.informerSynced(kind) ? 1 : 0)
                                .tag("kind", kind.plural()).description("1 once the informer of the kind has listed it")
                                .register(metrics);
                    }
                }
                if (accessLog != null) {
                    FunctionCounter.builder("caravan.access.log.dropped", accessLog, AccessLog::dropped)
                            .description("Access log lines dropped: the log's writer fell behind")
                            .register(metrics);
                }
                observers.add(requestMetrics);
                afterCompile.add(controllerMetrics);
            }
            if (accessLog != null) {
                observers.add(accessLog);
            }
            if (connecting == null) {
                if (options.enableTopologyAwareRouting()) {
                    LOG.warn("--enable-topology-aware-routing is ignored in standalone mode: there is no node to"
                            + " know the zone of");
                }
                kubernetes = null;
                zone = null;
                statusWriter = null;
                leaderElection = null;
                eventReporter = null;
            } else {
                kubernetes = connecting.get();
                DecoderWarmUp.start(kubernetes);
                zone = options.enableTopologyAwareRouting() ? new ControllerZone(kubernetes, options.podNamespace(),
                        options.podName(), store) : null;
                main.bind("kubernetesClient", kubernetes);
                leaderElection = new LeaderElection(kubernetes, options.podNamespace(), options.electionId(),
                        options.podName(), options.electionLeaseDuration());
                main.bind("caravanLeaderElection", leaderElection.service());
                eventReporter = new KubernetesEventReporter(main::getCamelContext, leaderElection,
                        options.controllerClass(), options.podName());
                reporters.add(eventReporter);
                if (options.updateStatus()) {
                    statusWriter = new IngressStatusWriter(kubernetes, new PublishedAddresses.Configuration(
                            options.publishService(), options.publishStatusAddresses()), store::current,
                            () -> recompiler().last());
                    main.configure().addRoutesBuilder(new StatusRoutes(statusWriter, 2000));
                } else {
                    statusWriter = null;
                }
            }
            recompiler = new Recompiler(store, new IngressCompiler(controller), table, reporters, source::synced,
                    afterCompile);
            recompiler.addChangeListener(new ChangePublisher(main::getCamelContext));
            // Camel adds the EventNotifiers of its registry when it configures itself
            main.bind("caravanRouteEvents", RouteReferences.routeEvents(recompiler::requestCompile));
            if (controllerMetrics != null) {
                controllerMetrics.bind(recompiler);
            }
            this.management = management;
            main.addMainListener(new MainListenerSupport() {
                // called by run() only; start() does these itself
                @Override
                public void afterStart(BaseMainSupport started) {
                    management.register(started.getCamelContext(), recompiler);
                    loadUserRoutes();
                }
            });
            source.onSynced(recompiler::requestCompile);
            ListenerSettings httpSettings = ListenerSettings.http(options.bindAddress(), options.httpPort(),
                    options.httpPublicPort(),
                    options.keepAliveTimeout(), options.clientHeaderTimeout(), options.clientBodyTimeout(), options.clientSendTimeout(),
                    options.proxyBodySize(), options.httpsRedirectPort(), options.shutdownTimeout(),
                    options.underscoresInHeaders()).withRealIp(options.realIp());
            ListenerSettings httpsSettings = ListenerSettings.https(options.bindAddress(), options.httpsPort(),
                    options.httpsRedirectPort(), options.keepAliveTimeout(), options.clientHeaderTimeout(), options.clientBodyTimeout(), options.clientSendTimeout(),
                    options.proxyBodySize(), options.hsts(), options.shutdownTimeout(), options.underscoresInHeaders())
                    .withRealIp(options.realIp());
            RateLimiters rateLimiters = new RateLimiters();
            externalAuth = new ExternalAuth(upstreamClient.settings().connectTimeout());
            userAuthentication = new UserAuthentication();
            mirrors = new RequestMirrors(upstreamClient.settings().connectTimeout());
            if (options.metrics()) {
                for (Map.Entry<String, ToDoubleFunction<RequestMirrors>> outcome : Map.<String,
                        ToDoubleFunction<RequestMirrors>>of("answered", RequestMirrors::answered, "failed",
                        RequestMirrors::failed, "not_made", RequestMirrors::notMade).entrySet()) {
                    FunctionCounter.builder("caravan.mirror.copies", mirrors, outcome.getValue())
                            .tag("outcome", outcome.getKey())
                            .description("Copies of requests for mirror-target, by what became of them").register(metrics);
                }
            }
            ClientProtocolFailures protocolFailures = new ClientProtocolFailures();
            if (options.metrics()) {
                ClientProtocolMetrics.register(metrics, controllerTags, protocolFailures);
            }
            UserRoutes userRoutes = new UserRoutes(main::getCamelContext, routeFolder, USER_ROUTE_THREADS,
                    USER_ROUTE_QUEUE);
            RequestInterceptors interceptors = new RequestInterceptors(userRoutes);
            ListenerShared shared = new ListenerShared(table, upstreamClient, workers, rateLimiters, observers, upgrades,
                    connectionLimit, interceptors, externalAuth, userAuthentication, mirrors, options.requestBlocks(),
                    options.statusCodes(), options.allowBackendServerHeader(), protocolFailures);
            httpListener = new HttpListener(httpSettings, shared, null);
            httpsListener = new HttpListener(httpsSettings, shared, certificates);

            readiness.require(options.standalone() ? "manifests loaded" : "informers synced", source::synced)
                    .require("routing table compiled",
                            () -> source.synced() && recompiler.last().table().version() >= source.syncedVersion());
            if (zone != null) {
                // a moment's wait on start, rather than a first few requests to every zone
                readiness.require("this replica's zone looked for", () -> zone.firstLook() >= 0
                        && recompiler.last().table().version() >= zone.firstLook());
            }
            if (externalNames != null) {
                readiness.require("ExternalName Services looked up", () -> source.synced()
                        && externalNames.settled(source.syncedVersion())
                        && recompiler.last().table().version() >= externalNames.publishedVersion());
            }
            // a listener's route an operator suspends answers 503 to all: the replica leaves its Service meanwhile
            readiness
                    .requireAlways("HTTP listener serving",
                            () -> httpListener.bound() && routeStarted(ListenerRoutes.routeId(httpSettings)))
                    .requireAlways("HTTPS listener serving",
                            () -> httpsListener.bound() && routeStarted(ListenerRoutes.routeId(httpsSettings)));

            if (!Files.isDirectory(options.routes())) {
                LOG.info("No routes folder at {} (yet); user routes are loaded once it exists",
                        options.routes().toAbsolutePath());
            }
            // the routes Ingresses name are checked again once the folder's routes came or went
            main.configure().addRoutesBuilder(new RouteFolderRoutes(routeFolder, 1000, recompiler::requestCompile));
            readiness.require("routes folder loaded", () -> routeFolder.ready(main.getCamelContext()));
            main.bind(ListenerRoutes.EXCEPTION_HANDLER_BEAN, ClientFailures.instance());
            main.bind(HTTP_LISTENER_BEAN, httpListener);
            main.bind(HTTPS_LISTENER_BEAN, httpsListener);
            main.configure().addRoutesBuilder(new ListenerRoutes(HTTP_LISTENER_BEAN, httpSettings, userRoutes));
            main.configure().addRoutesBuilder(new ListenerRoutes(HTTPS_LISTENER_BEAN, httpsSettings, userRoutes));
            // the webhook serves a cluster; standalone, nothing calls it (requireRunnable refuses the combination)
            if (kubernetes != null && options.webhookPort() != 0) {
                admissionWebhook = new AdmissionWebhook(new AdmissionWebhook.Settings(options.bindAddress(),
                        options.webhookPort(), options.podNamespace(), options.webhookService(), options.webhookSecret(),
                        options.webhookConfiguration(), tls), controllerInForce, options.reading(), kubernetes,
                        workers, store::current, table::get);
                main.bind(AdmissionWebhook.SERVER_BEAN, admissionWebhook.server());
                main.configure().addRoutesBuilder(admissionWebhook.routes());
                AdmissionWebhook webhook = admissionWebhook;
                readiness.require("admission webhook bound", () -> webhook.bound()
                        && routeStarted(AdmissionWebhook.routeId()));
            } else {
                admissionWebhook = null;
            }
            jolokia = options.jolokia() ? new JolokiaEndpoint() : null;
            main.configure().addRoutesBuilder(new AdminRoutes(options.bindAddress(), options.adminPort(), readiness,
                    options.metrics() ? metrics : null, jolokia));
        } catch (RuntimeException | Error failure) {
            // nothing started is left running: the client being built is closed once it is
            if (connecting != null) {
                connecting.whenDone(KubernetesClient::close);
            }
            if (resolver != null) {
                resolver.close();
            }
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw failure;
        }
    }

    /** Starts everything and returns; for tests and embedding. */
    public void start() throws Exception {
        startPipeline();
        main.start();
        management.register(main.getCamelContext(), recompiler);
        loadUserRoutes();
    }

    /** The routes folder's first read, as soon as Camel has started (the timer goes on from there). */
    private void loadUserRoutes() {
        if (routeFolder.scan(main.getCamelContext())) {
            recompiler.requestCompile();
        }
    }

    /** Starts everything and blocks until the JVM is asked to stop. */
    public void run() throws Exception {
        try {
            startPipeline();
            main.run();
        } catch (Exception | Error failure) {
            // what started is let go before the failure is told: the ports it holds among them
            try {
                stopPipeline();
            } catch (RuntimeException also) {
                failure.addSuppressed(also);
            }
            throw failure;
        }
        stopPipeline();
    }

    public void stop() throws Exception {
        // run() does these through Camel Main's beforeStop; a direct stop() has no such hook
        drain();
        if (statusWriter != null && options.updateStatusOnShutdown()) {
            clearStatusIfLeader();
        }
        main.stop();
        stopPipeline();
    }

    public RouteFolder routeFolder() {
        return routeFolder;
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    /** The latest compilation: the routing table in force and every Ingress's problems. */
    public Compilation lastCompilation() {
        return recompiler.last();
    }

    /** Caravan's metrics, as served on {@code /metrics}. */
    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    /** The certificates of the HTTPS listener, by host. */
    public CertificateStore certificates() {
        return certificates;
    }

    public Readiness readiness() {
        return readiness;
    }

    /** How many event loops serve the listeners and their connections to pods. */
    public int eventLoops() {
        return workers.executorCount();
    }

    public CaravanOptions options() {
        return options;
    }

    /** Whether this replica is the leader (always false standalone, where nothing is written). */
    public boolean leader() {
        return leaderElection != null && leaderElection.isLeader();
    }

    private static UpstreamSettings upstreamSettings(CaravanOptions options) {
        return new UpstreamSettings(options.proxyConnectTimeout(), options.proxyReadTimeout(),
                UpstreamSettings.defaults().sendTimeout(), options.upstreamKeepaliveTimeout(),
                UpstreamSettings.defaults().maxIdlePerEndpoint());
    }

    private Recompiler recompiler() {
        return recompiler;
    }

    private void startPipeline() {
        LOG.info("Caravan {} {}; class {} ({}); HTTP on {}:{}, HTTPS on {}:{}, admin on {}:{}; {} event loops on {}", CaravanMain.version(),
                options.standalone() ? "serving the manifests in " + options.manifests().toAbsolutePath()
                        : "watching " + (options.watchNamespace() == null ? "all namespaces" : "namespace "
                                + options.watchNamespace()) + " of " + kubernetes.getMasterUrl(),
                options.ingressClass(), options.controllerClass(), options.bindAddress(), options.httpPort(), options.bindAddress(), options.httpsPort(),
                options.bindAddress(), options.adminPort(), workers.executorCount(), Transport.name(workers));
        options.ingressNginxNotes().forEach(sentence -> LOG.info("{}", sentence));
        options.ineffective().forEach(sentence -> LOG.warn("{}", sentence));
        if (externalNames != null) {
            externalNames.start();
        }
        if (zone != null) {
            zone.start();
        }
        recompiler.start();
        httpListener.start();
        httpsListener.start();
        if (admissionWebhook != null) {
            admissionWebhook.start();
        }
        if (jolokia != null) {
            jolokia.start();
        }
        if (options.jmxPort() != 0) {
            try {
                remoteJmx = RemoteJmx.start(options.jmxBindAddress(), options.jmxPort(), options.jmxPasswordFile());
            } catch (IOException e) {
                throw new UncheckedIOException("--jmx-port " + options.jmxPort() + ": " + e.getMessage(), e);
            }
        }
    }

    /** How long a stop may take: Caravan's grace period and shutdown timeout, and a margin for the rest. */
    static int shutdownSeconds(CaravanOptions options) {
        return (int) Math.min(Integer.MAX_VALUE, options.shutdownGracePeriod().toSeconds()
                + options.shutdownTimeout().toSeconds() + 30);
    }

    /** Stops taking traffic without cutting any: not ready, then the listener's requests finish. */
    private void drain() {
        readiness.shutDown();
        try {
            // first, business as usual while load balancers notice the readiness: nothing is refused
            long grace = options.shutdownGracePeriod().toMillis();
            if (grace > 0) {
                LOG.info("Stopping: not ready; serving as usual for {} s", options.shutdownGracePeriod().toSeconds());
                Thread.sleep(grace);
            }
            LOG.info("Stopping: closing idle connections, letting requests in flight finish (at most {} s)",
                    options.shutdownTimeout().toSeconds());
            long deadline = System.nanoTime() + options.shutdownTimeout().toNanos();
            // as nginx's graceful stop: no new TCP service connection, those open waited for as long as requests
            streamListeners.close();
            if (!HttpListener.drain(options.shutdownTimeout(), httpListener, httpsListener)) {
                LOG.warn("Requests still in flight after {} s; stopping anyway", options.shutdownTimeout().toSeconds());
            }
            if (!streamListeners.awaitClosed(deadline)) {
                LOG.warn("TCP service connections still open after {} s; closed", options.shutdownTimeout().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On shutdown, while still leader: leaves no address behind in our Ingresses' status. */
    private void clearStatusIfLeader() {
        if (leaderElection.isLeader()) {
            try {
                statusWriter.clear();
            } catch (RuntimeException e) {
                LOG.warn("Could not clear Ingress status on shutdown: {}", e.getMessage());
            }
        }
    }

    private void stopPipeline() {
        if (remoteJmx != null) {
            remoteJmx.close();
        }
        if (jolokia != null) {
            jolokia.stop();
        }
        httpListener.stop();
        httpsListener.stop();
        streamListeners.close();
        if (admissionWebhook != null) {
            admissionWebhook.stop();
        }
        if (externalNames != null) {
            externalNames.close();
        }
        if (zone != null) {
            zone.close();
        }
        recompiler.stop();
        externalAuth.close();
        mirrors.close();
        userAuthentication.close();
        if (eventReporter != null) {
            eventReporter.close();
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        if (accessLog != null) {
            accessLog.close();
        }
    }

    private boolean routeStarted(String routeId) {
        CamelContext context = main.getCamelContext();
        return context != null && context.getRouteController().getRouteStatus(routeId) == ServiceStatus.Started;
    }
}
