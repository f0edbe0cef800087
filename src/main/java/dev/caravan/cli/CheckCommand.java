package dev.caravan.cli;

import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.GlobalHeadersReader;
import dev.caravan.compile.IngressCheck;
import dev.caravan.compile.annotation.AnnotationParser;
import dev.caravan.state.Change;
import dev.caravan.source.ManifestParser;
import dev.caravan.state.AnnotationPrefix;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import dev.caravan.routing.GlobalHeaders;
import dev.caravan.routing.ObjectRef;
import dev.caravan.tls.TlsSecretReader;
import dev.caravan.tls.TlsSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * {@code caravan check [--ingress-class NAME] [--controller-class NAME] [--allow-cross-namespace-resources]
 * [--global-allowed-response-headers NAMES] [--configmap NAMESPACE/NAME] FILE|DIR|-}: reads Ingress
 * manifests (and the IngressClasses, Secrets and ConfigMaps among them) and prints, per Ingress and per
 * ingress-nginx annotation, whether Caravan supports it, and whether Caravan started with those settings
 * would serve the Ingress. With {@code --configmap}, ingress-nginx's controller ConfigMap among them is
 * translated first, key by key, into Caravan's flags, and the Ingresses are judged with them. Exit code 0: every Ingress served as written; 1: some Ingress not claimed,
 * invalid, or with an annotation unsupported, refused or invalid, or a Secret or ConfigMap it names that
 * cannot be used; 2: nothing, or not everything, could be read. A Secret or ConfigMap not among the
 * manifests, and the Camel route of caravan.dev/request-route, are listed as unchecked and do not change the
 * exit code: Ingresses are often checked without their Secrets.
 */
public final class CheckCommand {

    private final PrintStream out;
    private final PrintStream err;
    private final TlsSecretReader tlsSecrets = new TlsSecretReader(TlsSettings.defaults());

    public CheckCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public int run(List<String> args, InputStream stdin) {
        String ingressClass = ControllerSettings.DEFAULT_INGRESS_CLASS;
        String controllerClass = ControllerSettings.DEFAULT_CONTROLLER_CLASS;
        String where = null;
        Boolean crossNamespace = null;
        boolean disableCatchAll = false;
        AnnotationPrefix prefix = null;
        Set<String> allowedHeaders = null;
        ObjectRef nginxConfigMap = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--help") || arg.equals("-h")) {
                out.println(USAGE);
                return 0;
            }
            if (arg.equals("--allow-cross-namespace-resources")) {
                crossNamespace = true;
            } else if (arg.equals("--" + Option.DISABLE_CATCH_ALL.flag())) {
                disableCatchAll = true;
            } else if (arg.equals("--" + Option.ANNOTATIONS_PREFIX.flag()) && i + 1 < args.size()) {
                try {
                    String value = Option.ANNOTATIONS_PREFIX.check(args.get(++i), arg).trim();
                    prefix = value.equals(AnnotationPrefix.DEFAULT) ? null : new AnnotationPrefix(value);
                } catch (UsageException e) {
                    err.println("caravan: " + e.getMessage());
                    return 2;
                }
            } else if (arg.equals("--configmap") && i + 1 < args.size()) {
                try {
                    nginxConfigMap = ObjectRef.parse(Option.ADD_HEADERS.check(args.get(++i), arg));
                } catch (UsageException e) {
                    err.println("caravan: " + e.getMessage());
                    return 2;
                }
            } else if (arg.equals("--" + Option.GLOBAL_ALLOWED_RESPONSE_HEADERS.flag()) && i + 1 < args.size()) {
                try {
                    allowedHeaders = Set.copyOf(Option.list(Option.GLOBAL_ALLOWED_RESPONSE_HEADERS.check(args.get(++i),
                            arg)));
                } catch (UsageException e) {
                    err.println("caravan: " + e.getMessage());
                    return 2;
                }
            } else if ((arg.equals("--ingress-class") || arg.equals("--controller-class")) && i + 1 < args.size()) {
                if (arg.equals("--ingress-class")) {
                    ingressClass = args.get(++i);
                } else {
                    controllerClass = args.get(++i);
                }
            } else if (where == null && (!arg.startsWith("--"))) {
                where = arg;
            } else {
                if (where != null && !arg.startsWith("--")) {
                    err.println("caravan: check reads one FILE, DIR or - (" + where + ", then " + arg
                            + "): put the manifests in one folder, or pipe them in");
                }
                where = null;
                break;
            }
        }
        if (where == null) {
            err.println("caravan: usage: " + USAGE);
            return 2;
        }
        List<Ingress> ingresses = new ArrayList<>();
        List<Change> known = new ArrayList<>();
        int unreadable = 0;
        try {
            for (Source source : sources(where, stdin)) {
                ManifestParser.Result result = new ManifestParser().parse(source.text());
                result.errors().forEach(error -> err.println(source.name() + ": " + error));
                // a document that is no Kubernetes object (a chart's values) is said, not counted against the gate
                unreadable += result.errors().size() > result.notObjects() ? 1 : 0;
                for (HasMetadata object : result.objects()) {
                    if (object instanceof Ingress ingress) {
                        ingresses.add(ingress);
                    } else if (object instanceof IngressClass || object instanceof Secret
                            || object instanceof ConfigMap) {
                        known.add(Change.upsert(object));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            err.println("caravan: cannot read " + where + ": no such file or directory");
            return 2;
        } catch (IOException e) {
            err.println("caravan: cannot read " + where + ": " + e.getMessage());
            return 2;
        }
        if (ingresses.isEmpty() && nginxConfigMap == null) {
            err.println("caravan: no networking.k8s.io/v1 Ingress found in " + where);
            return 2;
        }
        ClusterState state = ClusterState.EMPTY.with(known);
        boolean allComplete = true;
        ControllerSettings settings;
        if (nginxConfigMap != null) {
            ConfigMap configMap = state.get(ResourceKind.CONFIG_MAP, nginxConfigMap);
            if (configMap == null) {
                err.println("caravan: ConfigMap " + nginxConfigMap + " (--configmap) not found in " + where);
                return 2;
            }
            List<IngressNginxConfigMap.Setting> translated = IngressNginxConfigMap.translate(
                    configMap.getData() == null ? Map.of() : configMap.getData());
            // the command line's flags win, as they win over the environment when Caravan starts
            if (crossNamespace == null) {
                crossNamespace = "true".equals(flagValue(translated, Option.ALLOW_CROSS_NAMESPACE_RESOURCES));
            }
            if (allowedHeaders == null && flagValue(translated, Option.GLOBAL_ALLOWED_RESPONSE_HEADERS) != null) {
                allowedHeaders = Set.copyOf(Option.list(flagValue(translated, Option.GLOBAL_ALLOWED_RESPONSE_HEADERS)));
            }
            settings = settings(ingressClass, controllerClass, crossNamespace, allowedHeaders, translated,
                    disableCatchAll);
            allComplete = print(nginxConfigMap, translated, settings, state);
        } else {
            settings = settings(ingressClass, controllerClass, crossNamespace, allowedHeaders, List.of(),
                    disableCatchAll);
        }
        for (Ingress ingress : ingresses) {
            allComplete &= prefix == null ? print(ingress, settings, state, text -> text)
                    : printUnderPrefix(ingress, prefix, settings, state);
        }
        if (unreadable > 0) {
            // what could not be read may be an Ingress: a gate must not pass on the rest
            err.println("caravan: " + unreadable + (unreadable == 1 ? " source" : " sources")
                    + " could not be read whole (above); exit code 2");
            return 2;
        }
        return allComplete ? 0 : 1;
    }

    private static String flagValue(List<IngressNginxConfigMap.Setting> settings, Option option) {
        return settings.stream().filter(setting -> setting.option() == option && setting.flagValue() != null)
                .map(IngressNginxConfigMap.Setting::flagValue).findFirst().orElse(null);
    }

    private static ControllerSettings settings(String ingressClass, String controllerClass, Boolean crossNamespace,
            Set<String> allowedHeaders, List<IngressNginxConfigMap.Setting> translated, boolean disableCatchAll) {
        String addHeaders = flagValue(translated, Option.ADD_HEADERS);
        String proxySetHeaders = flagValue(translated, Option.PROXY_SET_HEADERS);
        Map<String, String> annotationDefaults = new TreeMap<>();
        Map<String, String> globalAuth = new TreeMap<>();
        for (IngressNginxConfigMap.Setting setting : translated) {
            if (setting.flagValue() != null && setting.option().type() == Option.Type.ANNOTATION_DEFAULT) {
                annotationDefaults.put(setting.option().annotation(), setting.flagValue());
            } else if (setting.flagValue() != null && setting.option().type() == Option.Type.GLOBAL_AUTH) {
                globalAuth.put(setting.option().annotation(), setting.flagValue());
            }
        }
        if (!globalAuth.containsKey("auth-url")) {
            globalAuth.clear();
        }
        String noAuthLocations = flagValue(translated, Option.NO_AUTH_LOCATIONS);
        return new ControllerSettings(ingressClass, controllerClass, false, null, false,
                Boolean.TRUE.equals(crossNamespace), allowedHeaders == null ? Set.of() : allowedHeaders,
                addHeaders == null ? null : ObjectRef.parse(addHeaders),
                proxySetHeaders == null ? null : ObjectRef.parse(proxySetHeaders), annotationDefaults, globalAuth,
                java.util.Arrays.stream((noAuthLocations == null ? Option.NO_AUTH_LOCATIONS.defaultValue()
                        : noAuthLocations).split(",")).map(String::trim).filter(location -> !location.isEmpty()).toList(),
                null, null, true, disableCatchAll, null);
    }

    /**
     * ingress-nginx's controller ConfigMap: per key, the flag Caravan takes for it, or why none; then the flags
     * together, and the ConfigMaps of headers its add-headers and proxy-set-headers name, read as the server reads them.
     */
    private boolean print(ObjectRef ref, List<IngressNginxConfigMap.Setting> translated, ControllerSettings settings,
            ClusterState known) {
        // the ConfigMaps of headers first: what cannot be used of them is part of the verdict
        List<String> headerLines = new ArrayList<>();
        GlobalHeaders headers = GlobalHeadersReader.read(known, settings);
        boolean headersAsWritten = true;
        for (ObjectRef configMap : new ObjectRef[] {settings.addHeaders(), settings.proxySetHeaders()}) {
            if (configMap == null) {
                continue;
            }
            String flag = configMap == settings.addHeaders() ? "--add-headers" : "--proxy-set-headers";
            if (known.get(ResourceKind.CONFIG_MAP, configMap) == null) {
                headerLines.add("  unchecked     ConfigMap " + configMap + " (" + flag + "): not among the manifests read");
            } else {
                int count = (configMap == settings.addHeaders() ? headers.response() : headers.request()).size();
                headerLines.add("  checked       ConfigMap " + configMap + " (" + flag + "): " + count
                        + (count == 1 ? " header" : " headers") + " set");
            }
        }
        for (String problem : headers.problems()) {
            if (!problem.contains("does not exist")) {
                headerLines.add("  invalid       " + problem);
                headersAsWritten = false;
            }
        }
        boolean asWritten = headersAsWritten && translated.stream().allMatch(setting -> setting.verdict().asWritten());
        out.println("ConfigMap " + ref + " (ingress-nginx's --configmap): " + (asWritten
                ? "Caravan does the same with the flags below" : "NOT all of it: see below"));
        for (IngressNginxConfigMap.Setting setting : translated) {
            String value = setting.value().length() > 60 ? setting.value().substring(0, 57) + "..." : setting.value();
            // one that keeps clients out is not left out: the server would not start on it
            boolean stops = setting.verdict() == IngressNginxConfigMap.Verdict.INVALID
                    && CaravanOptions.KEEPING_CLIENTS_OUT.contains(setting.key());
            out.printf("  %-13s %s=%s%n  %13s %s%n", setting.verdict().label(), setting.key(),
                    value.replace("\n", "\\n"), "", setting.verdict() == IngressNginxConfigMap.Verdict.FLAG
                            ? IngressNginxConfigMap.flag(setting) + (setting.why() == null ? "" : "; " + setting.why())
                            : stops ? setting.why() + "; it keeps clients out: Caravan does NOT START with it, unless"
                                    + " a flag gives that setting"
                            : setting.why());
        }
        headerLines.forEach(out::println);
        List<String> flags = IngressNginxConfigMap.flags(translated);
        if (!flags.isEmpty()) {
            out.println("  Caravan's flags:  " + String.join(" ", flags));
            out.println("  or in k8s/base/config.yaml:");
            IngressNginxConfigMap.environment(translated).forEach(line -> out.println("    " + line));
        }
        return asWritten;
    }

    /**
     * An Ingress as a controller with {@code --annotations-prefix} reads it: its annotations of that prefix, named so,
     * and those of the usual prefix not read, each said (the admission webhook refuses them, as ingress-nginx's).
     */
    private boolean printUnderPrefix(Ingress ingress, AnnotationPrefix prefix, ControllerSettings settings,
            ClusterState known) {
        String usual = AnnotationPrefix.DEFAULT + "/";
        boolean complete = print((Ingress) prefix.apply(ingress), settings, known,
                text -> text.replace(usual, prefix.prefix() + "/"));
        List<String> unread = prefix.unread(ingress);
        for (String annotation : unread) {
            out.println("  invalid      " + annotation + ": not read under --annotations-prefix " + prefix.prefix()
                    + " (the admission webhook refuses it)");
        }
        return complete && unread.isEmpty();
    }

    /** @param named how the annotations' names are written: under the prefix they were read from */
    private boolean print(Ingress ingress, ControllerSettings settings, ClusterState known, UnaryOperator<String> named) {
        IngressCheck.Report report = IngressCheck.check(ingress, settings, known, tlsSecrets::problem);
        String route = ingress.getMetadata().getAnnotations() == null ? null
                : ingress.getMetadata().getAnnotations().get(AnnotationParser.REQUEST_ROUTE);
        Set<String> backendRoutes = IngressCheck.camelRouteBackends(ingress);
        boolean unchecked = !report.unchecked().isEmpty() || route != null || !backendRoutes.isEmpty();
        out.println("Ingress " + ClusterState.refOf(ingress) + ": " + (report.complete()
                ? unchecked ? "served as written, if what is unchecked below is as it needs" : "served as written"
                : report.served() ? "served, but not all as written"
                : report.denied() ? "NOT served: its paths answer 503, as it asks for access control, custom-headers or a snippet"
                        + " (and its hosts' paths no rule matches, where it is their oldest Ingress)"
                : "NOT served"));
        out.println("  class        " + (report.notOurs() == null ? "claimed (" + describeClass(ingress) + ")"
                : "not claimed: " + report.notOurs()));
        for (String problem : report.problems()) {
            out.println("  invalid      " + named.apply(problem));
        }
        // an object an annotation names that cannot be used is that annotation's verdict, said once
        List<String> objectProblems = new ArrayList<>(report.objectProblems());
        List<IngressCheck.Verdict> verdicts = new ArrayList<>();
        for (IngressCheck.Verdict verdict : report.annotations()) {
            String prefix = verdict.annotation() + ": ";
            String problem = objectProblems.stream().filter(p -> p.startsWith(prefix)).findFirst().orElse(null);
            if (problem != null && verdict.verdict().equals("supported")) {
                verdict = new IngressCheck.Verdict(verdict.annotation(), verdict.value(), "invalid",
                        problem.substring(prefix.length()));
                objectProblems.remove(problem);
            }
            verdicts.add(verdict);
        }
        for (String problem : objectProblems) {
            out.println("  invalid      " + named.apply(problem));
        }
        for (String warning : report.warnings()) {
            out.println("  warning      " + named.apply(warning));
        }
        for (String object : report.unchecked()) {
            out.println("  unchecked    " + object + ": not among the manifests read");
        }
        if (route != null && report.served()) {
            out.println("  unchecked    Camel route " + route + " (" + AnnotationParser.REQUEST_ROUTE + "): check reads no"
                    + " routes; one the server does not have makes the Ingress's paths answer 503");
        }
        if (report.served()) {
            for (String backendRoute : backendRoutes) {
                out.println("  unchecked    Camel route " + backendRoute + " (a CamelRoute backend): check reads no routes;"
                        + " one the server does not have makes its paths answer 503");
            }
        }
        for (IngressCheck.Verdict verdict : verdicts) {
            out.printf("  %-12s %s=%s%n  %12s %s%n", verdict.verdict(), named.apply(verdict.annotation()),
                    verdict.value(), "", named.apply(verdict.why()));
        }
        return report.complete();
    }

    private static String describeClass(Ingress ingress) {
        String className = ingress.getSpec() == null ? null : ingress.getSpec().getIngressClassName();
        if (className != null) {
            return "spec.ingressClassName " + className;
        }
        String annotation = ingress.getMetadata().getAnnotations() == null ? null
                : ingress.getMetadata().getAnnotations().get("kubernetes.io/ingress.class");
        return annotation != null ? "kubernetes.io/ingress.class " + annotation : "default class";
    }

    private static final String USAGE = "caravan check [--ingress-class NAME] [--controller-class NAME]"
            + " [--allow-cross-namespace-resources] [--global-allowed-response-headers NAMES] [--disable-catch-all]"
            + " [--annotations-prefix PREFIX] [--configmap NAMESPACE/NAME] FILE|DIR|-\n"
            + "  reads Ingresses (and the IngressClasses, Secrets and ConfigMaps among them) and says, per Ingress and\n"
            + "  per nginx.ingress.kubernetes.io annotation (or --annotations-prefix's), what Caravan does with it;\n"
            + "  --configmap first translates\n"
            + "  ingress-nginx's controller ConfigMap among them, key by key, into Caravan's flags, and judges the\n"
            + "  Ingresses with them. Exit code 0: all served as written; 1: not all; 2: not all could be read.";

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
