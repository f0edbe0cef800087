package dev.caravan.source.kubernetes;

import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.component.kubernetes.KubernetesConstants;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * One watched kind. Each change becomes an Exchange whose body is the object and whose
 * {@code CamelKubernetesEventAction} header is {@code ADDED}, {@code MODIFIED} or {@code DELETED}, the
 * header camel-kubernetes' own consumers use.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "caravan-informer", title = "Caravan Kubernetes informer",
        syntax = "caravan-informer:kind", consumerOnly = true, category = {Category.CLOUD},
        headersClass = KubernetesConstants.class)
public class InformerEndpoint extends DefaultEndpoint {

    @UriPath(enums = "ingresses,ingressclasses,services,endpointslices,endpoints,secrets,configmaps")
    @Metadata(required = true)
    private String kind;

    @UriParam(description = "Namespace to watch; empty for all namespaces (cluster-scoped kinds ignore it)")
    private String namespace;

    @UriParam(description = "Field selector, e.g. type=kubernetes.io/tls")
    private String fieldSelector;

    @UriParam(description = "Label selector, e.g. OWNER!=TILLER")
    private String labelSelector;

    @UriParam(defaultValue = "600000", description = "Milliseconds between resyncs of the informer's cache")
    private long resyncPeriod = 600_000;

    @UriParam(description = "The client to use; by default the one in the registry")
    @Metadata(autowired = true)
    private KubernetesClient kubernetesClient;

    public InformerEndpoint(String uri, InformerComponent component) {
        super(uri, component);
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("caravan-informer only consumes");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        InformerConsumer consumer = new InformerConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    ResourceKind resourceKind() {
        ResourceKind resourceKind = ResourceKind.ofPlural(kind);
        if (resourceKind == null) {
            throw new IllegalArgumentException("caravan-informer: unknown kind '" + kind + "'");
        }
        return resourceKind;
    }

    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String getFieldSelector() {
        return fieldSelector;
    }

    public void setFieldSelector(String fieldSelector) {
        this.fieldSelector = fieldSelector;
    }

    public String getLabelSelector() {
        return labelSelector;
    }

    public void setLabelSelector(String labelSelector) {
        this.labelSelector = labelSelector;
    }

    public long getResyncPeriod() {
        return resyncPeriod;
    }

    public void setResyncPeriod(long resyncPeriod) {
        this.resyncPeriod = resyncPeriod;
    }

    public KubernetesClient getKubernetesClient() {
        return kubernetesClient;
    }

    public void setKubernetesClient(KubernetesClient kubernetesClient) {
        this.kubernetesClient = kubernetesClient;
    }
}
