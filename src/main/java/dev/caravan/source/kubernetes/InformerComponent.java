package dev.caravan.source.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.support.DefaultComponent;

/**
 * {@code caravan-informer:<kind>}: a consumer of one Kubernetes kind backed by a fabric8 informer, so a
 * route sees every object once at start and every change after, across reconnects and 410 Gone.
 */
@Component("caravan-informer")
public class InformerComponent extends DefaultComponent {

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        InformerEndpoint endpoint = new InformerEndpoint(uri, this);
        endpoint.setKind(remaining);
        setProperties(endpoint, parameters);
        if (endpoint.getKubernetesClient() == null) {
            // autowired as camel-kubernetes does: the one client in the registry
            endpoint.setKubernetesClient(CamelContextHelper.findSingleByType(getCamelContext(), KubernetesClient.class));
        }
        return endpoint;
    }
}
