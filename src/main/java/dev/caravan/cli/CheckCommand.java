package dev.caravan.cli;

import dev.caravan.compile.IngressCheck;
import dev.caravan.source.ManifestParser;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code caravan check FILE|DIR|-}: reads Ingress manifests and prints, per Ingress and per
 * ingress-nginx annotation, whether Caravan supports it, and whether the Ingress would be served.
 * Exit code 0: every Ingress served as written; 1: some annotation unsupported, refused or invalid,
 * or an Ingress invalid; 2: nothing could be read.
 */
public final class CheckCommand {

    private final PrintStream out;
    private final PrintStream err;

    public CheckCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public int run(List<String> args, InputStream stdin) {
        if (args.size() != 1) {
            err.println("caravan: usage: caravan check FILE|DIR|-");
            return 2;
        }
        List<Ingress> ingresses = new ArrayList<>();
        try {
            for (Source source : sources(args.get(0), stdin)) {
                ManifestParser.Result result = new ManifestParser().parse(source.text());
                result.errors().forEach(error -> err.println(source.name() + ": " + error));
                for (HasMetadata object : result.objects()) {
                    if (object instanceof Ingress ingress) {
                        ingresses.add(ingress);
                    }
                }
            }
        } catch (IOException e) {
            err.println("caravan: cannot read " + args.get(0) + ": " + e.getMessage());
            return 2;
        }
        if (ingresses.isEmpty()) {
            err.println("caravan: no networking.k8s.io/v1 Ingress found in " + args.get(0));
            return 2;
        }
        boolean allComplete = true;
        for (Ingress ingress : ingresses) {
            allComplete &= print(ingress);
        }
        return allComplete ? 0 : 1;
    }

    private boolean print(Ingress ingress) {
        IngressCheck.Report report = IngressCheck.check(ingress);
        out.println("Ingress " + ClusterState.refOf(ingress) + ": " + (report.complete() ? "served as written"
                : report.served() ? "served, without the annotations marked unsupported" : "NOT served"));
        out.println("  class        " + describeClass(ingress));
        for (String problem : report.problems()) {
            out.println("  invalid      " + problem);
        }
        for (IngressCheck.Verdict verdict : report.annotations()) {
            out.printf("  %-12s %s=%s%n  %12s %s%n", verdict.verdict(), verdict.annotation(), verdict.value(), "",
                    verdict.why());
        }
        return report.complete();
    }

    private static String describeClass(Ingress ingress) {
        String className = ingress.getSpec() == null ? null : ingress.getSpec().getIngressClassName();
        if (className != null) {
            return "spec.ingressClassName " + className + ": served if that IngressClass's controller is"
                    + " Caravan's --controller-class";
        }
        String annotation = ingress.getMetadata().getAnnotations() == null ? null
                : ingress.getMetadata().getAnnotations().get("kubernetes.io/ingress.class");
        if (annotation != null) {
            return "kubernetes.io/ingress.class " + annotation + ": served if Caravan runs with --ingress-class "
                    + annotation;
        }
        return "none: served by a default IngressClass of Caravan's, or with --watch-ingress-without-class";
    }

    private record Source(String name, String text) {
    }

    private static List<Source> sources(String where, InputStream stdin) throws IOException {
        if (where.equals("-")) {
            return List.of(new Source("stdin", new String(stdin.readAllBytes(), StandardCharsets.UTF_8)));
        }
        Path path = Path.of(where);
        if (!Files.isDirectory(path)) {
            return List.of(new Source(where, Files.readString(path, StandardCharsets.UTF_8)));
        }
        List<Source> sources = new ArrayList<>();
        try (Stream<Path> files = Files.list(path)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json")) {
                    sources.add(new Source(file.toString(), Files.readString(file, StandardCharsets.UTF_8)));
                }
            }
        }
        return sources;
    }
}
