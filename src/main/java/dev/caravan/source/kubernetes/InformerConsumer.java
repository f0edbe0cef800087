package dev.caravan.source.kubernetes;

import dev.caravan.state.LabelSelectors;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.kubernetes.KubernetesConstants;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a fabric8 {@link SharedIndexInformer}: list, then watch; on a dropped watch it reconnects with
 * back-off, and on 410 Gone it lists again and reports the objects deleted meanwhile. A failing first
 * list (API down, RBAC) is retried, never fatal. Events are handed to the route one at a time on the
 * informer's own thread, so a route sees them in order. Once every object of the first list has been
 * through the route, one more Exchange announces it, with action {@value #SYNCED} and no body.
 */
public class InformerConsumer extends DefaultConsumer {

    /** The action of the one Exchange that says the first list has been delivered whole. */
    public static final String SYNCED = "SYNCED";
    private static final Logger LOG = LoggerFactory.getLogger(InformerConsumer.class);

    private final InformerEndpoint endpoint;
    private final ResourceKind kind;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicBoolean announced = new AtomicBoolean();
    private volatile long listedAtSync = -1;
    private volatile String lastError;
    private SharedIndexInformer<? extends HasMetadata> informer;

    public InformerConsumer(InformerEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.kind = endpoint.resourceKind();
    }

    /** Whether the first list is complete and every object in it has been through the route. */
    public boolean synced() {
        long listed = listedAtSync;
        return listed >= 0 && delivered.get() >= listed;
    }

    /** The last failure of list or watch, for readiness reports; {@code null} once synced. */
    public String lastError() {
        return lastError;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        KubernetesClient client = Objects.requireNonNull(endpoint.getKubernetesClient(),
                "caravan-informer needs a KubernetesClient (bind one in the registry)");
        informer = informable(client).runnableInformer(endpoint.getResyncPeriod());
        informer.exceptionHandler((started, failure) -> {
            String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
            if (!message.equals(lastError)) {
                LOG.warn("Watching {} failed ({}); retrying with back-off", kind.plural(), message);
            }
            lastError = message;
            return true;
        });
        addHandler();
        String scope = scope();
        LOG.info("Watching {} in {}", kind.plural(), scope);
        informer.start().whenComplete((ignored, failure) -> {
            if (failure == null) {
                listedAtSync = informer.getStore().list().size();
                lastError = null;
                LOG.info("Synced {} {} in {}", listedAtSync, kind.plural(), scope);
                announceIfSynced();
            }
        });
    }

    @Override
    protected void doStop() throws Exception {
        if (informer != null) {
            informer.close();
            informer = null;
        }
        super.doStop();
    }

    private Informable<? extends HasMetadata> informable(KubernetesClient client) {
        var resources = client.resources(kind.type());
        String namespace = endpoint.getNamespace();
        FilterWatchListDeletable<? extends HasMetadata, ?, ?> scoped;
        if (kind.namespaced() && namespace != null && !namespace.isEmpty()) {
            scoped = resources.inNamespace(namespace);
        } else if (kind.namespaced()) {
            scoped = resources.inAnyNamespace();
        } else {
            scoped = resources;
        }
        // the API's syntax: requirements joined by commas, each key=value or key!=value
        for (Requirement field : Requirement.parse(endpoint.getFieldSelector())) {
            scoped = field.negated() ? scoped.withoutField(field.key(), field.value())
                    : scoped.withField(field.key(), field.value());
        }
        String labels = endpoint.getLabelSelector();
        if (labels == null || labels.isEmpty()) {
            return scoped;
        }
        // checked, then sent as written: fabric8's model keeps one requirement per key
        LabelSelectors.parse(labels);
        return scoped.withLabelSelector(labels);
    }

    /** One requirement of a field selector: key=value, or key!=value. */
    private record Requirement(String key, String value, boolean negated) {

        static List<Requirement> parse(String selector) {
            List<Requirement> requirements = new ArrayList<>();
            if (selector == null || selector.isEmpty()) {
                return requirements;
            }
            for (String requirement : selector.split(",")) {
                int equals = requirement.indexOf('=');
                boolean not = equals > 0 && requirement.charAt(equals - 1) == '!';
                requirements.add(new Requirement(requirement.substring(0, not ? equals - 1 : equals).trim(),
                        requirement.substring(equals + 1).trim(), not));
            }
            return requirements;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void addHandler() {
        ((SharedIndexInformer) informer).addEventHandler(new ResourceEventHandler<HasMetadata>() {
            @Override
            public void onAdd(HasMetadata object) {
                emit("ADDED", object);
                delivered.incrementAndGet();
                announceIfSynced();
            }

            @Override
            public void onUpdate(HasMetadata before, HasMetadata after) {
                emit("MODIFIED", after);
            }

            @Override
            public void onDelete(HasMetadata object, boolean finalStateUnknown) {
                emit("DELETED", object);
            }
        });
    }

    private void announceIfSynced() {
        if (synced() && announced.compareAndSet(false, true)) {
            emit(SYNCED, null);
        }
    }

    private void emit(String action, HasMetadata object) {
        Exchange exchange = createExchange(false);
        try {
            exchange.getMessage().setHeader(KubernetesConstants.KUBERNETES_EVENT_ACTION, action);
            exchange.getMessage().setHeader(KubernetesConstants.KUBERNETES_EVENT_TIMESTAMP, System.currentTimeMillis());
            exchange.getMessage().setBody(object);
            getProcessor().process(exchange);
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("Processing " + action + " " + kind.kindName(), exchange,
                        exchange.getException());
            }
        } catch (Exception e) {
            getExceptionHandler().handleException("Processing " + action + " " + kind.kindName(), exchange, e);
        } finally {
            releaseExchange(exchange, false);
        }
    }

    private String scope() {
        String namespace = endpoint.getNamespace();
        if (!kind.namespaced()) {
            return "the cluster";
        }
        return namespace == null || namespace.isEmpty() ? "all namespaces" : "namespace " + namespace;
    }
}
