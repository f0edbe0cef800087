package dev.caravan;

import dev.caravan.admin.AdminRoutes;
import dev.caravan.admin.Readiness;
import dev.caravan.cli.CaravanOptions;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCompiler;
import dev.caravan.compile.Recompiler;
import dev.caravan.gateway.HttpListener;
import dev.caravan.gateway.ListenerRoutes;
import dev.caravan.gateway.ListenerSettings;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.source.ManifestFolder;
import dev.caravan.source.ManifestFolderRoutes;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.status.LoggingProblemReporter;
import dev.caravan.upstream.UpstreamClient;
import dev.caravan.upstream.UpstreamSettings;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.Main;
import org.apache.camel.ManagementStatisticsLevel;

/**
 * One Caravan instance: the pipeline of DESIGN.md assembled on a Camel Main. Sources, listeners and
 * the admin port are Camel routes; the routing state between them is Caravan's own.
 */
public final class Caravan {

    static final String HTTP_LISTENER_BEAN = "caravanHttpListener";

    private final CaravanOptions options;
    private final NioEventLoopGroup workers;
    private final ClusterStateStore store = new ClusterStateStore();
    private final CurrentRoutingTable table = new CurrentRoutingTable();
    private final ManifestFolder folder;
    private final Recompiler recompiler;
    private final HttpListener httpListener;
    private final ListenerSettings httpSettings;
    private final Readiness readiness = new Readiness();
    private final Main main = new Main();

    public Caravan(CaravanOptions options) {
        this.options = options;
        workers = new NioEventLoopGroup(0, new DefaultThreadFactory("caravan-io", true));
        folder = new ManifestFolder(options.manifests(), store);
        ControllerSettings controller = new ControllerSettings(options.ingressClass(), options.controllerClass(),
                options.watchIngressWithoutClass(), options.defaultBackendService());
        recompiler = new Recompiler(store, new IngressCompiler(controller), table, new LoggingProblemReporter());
        UpstreamSettings upstream = new UpstreamSettings(options.proxyConnectTimeout(), options.proxyReadTimeout(),
                UpstreamSettings.defaults().idleTimeout(), UpstreamSettings.defaults().maxIdlePerEndpoint());
        httpSettings = ListenerSettings.http(options.bindAddress(), options.httpPort());
        httpListener = new HttpListener(httpSettings, table, new UpstreamClient(upstream), workers);

        readiness.require("manifests loaded", folder::loaded)
                .require("routing table compiled", () -> folder.loaded()
                        && recompiler.last().table().version() >= folder.loadedVersion())
                .require("HTTP listener bound", () -> httpListener.bound() && routeStarted(ListenerRoutes.routeId(httpSettings)));

        main.configure().setName("caravan");
        main.configure().setJmxManagementStatisticsLevel(ManagementStatisticsLevel.RoutesOnly);
        if (Files.isDirectory(options.routes())) {
            String dir = options.routes().toString();
            main.configure().setRoutesIncludePattern("file:" + dir + "/*.yaml,file:" + dir + "/*.xml");
        }
        main.bind(HTTP_LISTENER_BEAN, httpListener);
        main.configure().addRoutesBuilder(new ManifestFolderRoutes(folder, 1000));
        main.configure().addRoutesBuilder(new ListenerRoutes(HTTP_LISTENER_BEAN, httpSettings));
        main.configure().addRoutesBuilder(new AdminRoutes(options.bindAddress(), options.adminPort(), readiness));
    }

    /** Starts everything and returns; for tests and embedding. */
    public void start() throws Exception {
        startPipeline();
        main.start();
    }

    /** Starts everything and blocks until the JVM is asked to stop. */
    public void run() throws Exception {
        startPipeline();
        try {
            main.run();
        } finally {
            stopPipeline();
        }
    }

    public void stop() throws Exception {
        main.stop();
        stopPipeline();
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    public Readiness readiness() {
        return readiness;
    }

    public CaravanOptions options() {
        return options;
    }

    private void startPipeline() {
        recompiler.start();
        httpListener.start();
    }

    private void stopPipeline() {
        httpListener.stop();
        recompiler.stop();
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private boolean routeStarted(String routeId) {
        CamelContext context = main.getCamelContext();
        return context != null && context.getRouteController().getRouteStatus(routeId) == ServiceStatus.Started;
    }
}
