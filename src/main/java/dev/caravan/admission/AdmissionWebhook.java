package dev.caravan.admission;

import dev.caravan.compile.ControllerSettings;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import dev.caravan.tls.InvalidCertificateException;
import dev.caravan.tls.TlsSecretReader;
import dev.caravan.tls.TlsSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.netty.http.NettySharedHttpServer;

/**
 * The validating admission webhook, assembled: its server, its routes and its certificate's upkeep.
 * Every replica answers reviews and serves the certificate of the Secret; the leader makes that Secret
 * and patches the caBundle. Until a replica has read the Secret it serves a certificate of its own
 * making that the API server does not trust: with {@code failurePolicy: Ignore} the API server then
 * lets requests through unreviewed, which is what an unreachable webhook must do anyway.
 */
public final class AdmissionWebhook {

    public static final String SERVER_BEAN = "caravanAdmissionWebhook";
    /** How often every replica reads the Secret, and the leader checks it and the caBundle. */
    static final long PERIOD_MILLIS = 5_000;

    /**
     * Where it is reached and what it is called.
     *
     * @param namespace     Caravan's own namespace: where the Service and the Secret are
     * @param service       the webhook's Service, whose DNS names the certificate carries
     * @param configuration the ValidatingWebhookConfiguration's name
     */
    public record Settings(String bindAddress, int port, String namespace, String service, String secret,
            String configuration, TlsSettings tls) {

        List<String> dnsNames() {
            String name = service + "." + namespace;
            return List.of(name + ".svc", name + ".svc.cluster.local", name, service);
        }
    }

    private final WebhookServer server;
    private final AdmissionRoutes routes;

    /**
     * @param controller the compiler's settings in force
     * @param reading    how an Ingress is read, as the cluster state reads it ({@code --annotations-prefix})
     */
    public AdmissionWebhook(Settings settings, Supplier<ControllerSettings> controller,
            UnaryOperator<HasMetadata> reading,
            KubernetesClient client, EventLoopGroup workers, Supplier<ClusterState> state, Supplier<RoutingTable> table) {
        Clock clock = Clock.systemUTC();
        // HTTP/1.1 only: the API server's webhook client needs nothing else
        TlsSettings tls = new TlsSettings(settings.tls().protocols(), settings.tls().ciphers(), false);
        WebhookSecret secretReader = new WebhookSecret(new TlsSecretReader(tls), settings.dnsNames());
        ObjectRef secret = new ObjectRef(settings.namespace(), settings.secret());
        ServingCertificate serving = selfMade(secretReader, settings, clock);
        server = new WebhookServer(settings.bindAddress(), settings.port(), serving, workers);
        KubernetesSerialization serialization = client.getKubernetesSerialization();
        routes = new AdmissionRoutes(SERVER_BEAN, settings.bindAddress(), settings.port(), new AdmissionReviews(serialization),
                new AdmissionReviewer(controller, reading, state, table, serialization),
                new WebhookCertificateReloader(client, secret, secretReader, serving, clock),
                new WebhookCertificateIssuer(client, secret, settings.configuration(), secretReader, clock),
                PERIOD_MILLIS);
    }

    /** The certificate served until the Secret is read: made like the Secret's, never stored. */
    private static ServingCertificate selfMade(WebhookSecret reader, Settings settings, Clock clock) {
        try {
            return new ServingCertificate(reader.read(WebhookCertificateAuthority.issue(reader.dnsNames(),
                    clock.instant()).toSecret(settings.namespace(), settings.secret()), clock.instant()).certificate());
        } catch (InvalidCertificateException e) {
            throw new IllegalStateException("the admission webhook's own certificate cannot be served: "
                    + e.getMessage(), e);
        }
    }

    /** The server, to bind as {@link #SERVER_BEAN}. */
    public NettySharedHttpServer server() {
        return server;
    }

    public RouteBuilder routes() {
        return routes;
    }

    /** Whether the webhook's port is bound. */
    public boolean bound() {
        return server.bound();
    }

    /** The id of the route answering reviews. */
    public static String routeId() {
        return AdmissionRoutes.WEBHOOK_ROUTE;
    }

    public void start() {
        server.start();
    }

    public void stop() {
        server.stop();
    }
}
