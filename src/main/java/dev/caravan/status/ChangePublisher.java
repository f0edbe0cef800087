package dev.caravan.status;

import dev.caravan.compile.TableChangeListener;
import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.TableChange;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each routing-table change to {@value #ENDPOINT}, for user routes to audit or notify
 * ({@code from: seda:caravan-changes?size=1000}; SEDA wants the same size on both sides): a map of the
 * new version and the hosts added, removed and changed. The queue is bounded and drops what nobody
 * reads, so the compiler never waits for it.
 */
public final class ChangePublisher implements TableChangeListener {

    /** The endpoint user routes consume; its options must match on both sides, so they are part of it. */
    public static final String ENDPOINT = "seda:caravan-changes?size=1000&discardWhenFull=true";

    private static final Logger LOG = LoggerFactory.getLogger(ChangePublisher.class);

    private final Supplier<CamelContext> context;
    private ProducerTemplate producer;

    public ChangePublisher(Supplier<CamelContext> context) {
        this.context = context;
    }

    @Override
    public void changed(RoutingTable table, TableChange change) {
        CamelContext camel = context.get();
        if (camel == null || !camel.isStarted()) {
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", table.version());
        body.put("added", change.added());
        body.put("removed", change.removed());
        body.put("changed", change.changed());
        body.put("summary", change.summary());
        try {
            if (producer == null) {
                producer = camel.createProducerTemplate();
            }
            producer.sendBody(ENDPOINT, body);
        } catch (RuntimeException e) {
            LOG.debug("Routing change not published: {}", e.toString());
        }
    }
}
