package dev.caravan.status;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.TableChange;
import dev.caravan.state.ClusterState;
import java.util.LinkedHashMap;
import java.util.List;
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
public final class ChangePublisher implements CompilationListener {

    /** The endpoint user routes consume; its options must match on both sides, so they are part of it. */
    public static final String ENDPOINT = "seda:caravan-changes?size=1000&discardWhenFull=true";

    private static final Logger LOG = LoggerFactory.getLogger(ChangePublisher.class);

    private final Supplier<CamelContext> context;
    private RoutingTable previous = RoutingTable.EMPTY;
    private ProducerTemplate producer;

    public ChangePublisher(Supplier<CamelContext> context) {
        this.context = context;
    }

    @Override
    public List<Problem> compiled(ClusterState state, Compilation compilation) {
        TableChange change = TableChange.between(previous, compilation.table());
        previous = compilation.table();
        CamelContext camel = context.get();
        if (change.isEmpty() || camel == null || !camel.isStarted()) {
            return List.of();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", compilation.table().version());
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
        return List.of();
    }
}
