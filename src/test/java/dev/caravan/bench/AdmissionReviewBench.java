package dev.caravan.bench;

import dev.caravan.admission.AdmissionRequests;
import dev.caravan.admission.AdmissionReviewer;
import dev.caravan.admission.AdmissionReviews;
import dev.caravan.compile.Compilation;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCompiler;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.testing.ClusterObjects;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Review latency of the admission webhook at scale, as a benchmark (not a test): N Ingresses compiled
 * into the routing table in force, then AdmissionReview JSON bodies answered one after another as the
 * webhook route does (parse, review, write), in a mix of a new host (allowed), a path another Ingress
 * serves (allowed with a warning) and a snippet (denied). Prints p50, p99 and the worst, per kind.
 *
 * <p>Run it with {@code bench/admission-review N}.
 */
public final class AdmissionReviewBench {

    private AdmissionReviewBench() {
    }

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        List<Change> changes = new ArrayList<>(List.of(Change.upsert(ClusterObjects.ingressClass())));
        for (int i = 0; i < count; i++) {
            changes.add(Change.upsert(ClusterObjects.ingress("app-" + i, "app-" + i + ".example.com", "/", "app-" + i)));
        }
        ClusterState state = ClusterState.EMPTY.with(changes);
        long compiling = System.nanoTime();
        Compilation compilation = new IngressCompiler(ControllerSettings.defaults()).compile(state, Compilation.EMPTY);
        System.out.printf("%d Ingresses compiled in %.0f ms (%d hosts)%n", count, (System.nanoTime() - compiling) / 1e6,
                compilation.table().exactHosts().size());

        KubernetesSerialization serialization = new KubernetesSerialization();
        AdmissionReviews reviews = new AdmissionReviews(serialization);
        AdmissionReviewer reviewer = new AdmissionReviewer(ControllerSettings.defaults(), () -> state,
                compilation::table, serialization);
        Ingress snippet = ClusterObjects.ingress("snippet", "snippet.example.com", "/", "svc");
        snippet.getMetadata().setAnnotations(Map.of("nginx.ingress.kubernetes.io/server-snippet", "return 200;"));
        Map<String, byte[]> bodies = Map.of(
                "allowed", body(ClusterObjects.ingress("new", "new.example.com", "/", "svc")),
                "conflict", body(ClusterObjects.ingress("copy", "app-" + count / 2 + ".example.com", "/", "svc")),
                "denied", body(snippet));

        for (Map.Entry<String, byte[]> kind : bodies.entrySet()) {
            run(reviews, reviewer, kind.getValue(), rounds); // warm-up: JIT, caches
        }
        for (Map.Entry<String, byte[]> kind : bodies.entrySet()) {
            long[] nanos = run(reviews, reviewer, kind.getValue(), rounds);
            Arrays.sort(nanos);
            System.out.printf("%-8s %d reviews: p50 %.1f µs, p99 %.1f µs, max %.1f µs%n", kind.getKey(), rounds,
                    nanos[nanos.length / 2] / 1e3, nanos[(int) (nanos.length * 0.99)] / 1e3,
                    nanos[nanos.length - 1] / 1e3);
        }
    }

    private static byte[] body(Ingress ingress) {
        return AdmissionRequests.review("CREATE", ingress).getBytes(StandardCharsets.UTF_8);
    }

    private static long[] run(AdmissionReviews reviews, AdmissionReviewer reviewer, byte[] body, int rounds) {
        long[] nanos = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long started = System.nanoTime();
            try {
                reviews.write(reviewer.review(reviews.parse(body)));
            } catch (AdmissionReviews.MalformedReviewException e) {
                throw new IllegalStateException(e);
            }
            nanos[i] = System.nanoTime() - started;
        }
        return nanos;
    }
}
