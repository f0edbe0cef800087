package dev.caravan.compile;

import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.compile.annotation.AnnotationFinding;
import dev.caravan.compile.annotation.AnnotationParser;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.LabelSelectors;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespace;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What one Ingress is to the compiler, decided from the Ingress alone (and the basic-auth Secret it names):
 * not ours, or ours and served as it is, served by its last good version, or not served; with the problems
 * found on the way. It depends on nothing else in the state, so it is kept until the Ingress, its Secret, the
 * IngressClasses or the operator's choice change.
 *
 * @param ignored  why it is not ours, or {@code null} when it is
 * @param served   the version served, or {@code null}
 * @param lastGood the version to stand in for a later invalid edit, or {@code null}
 * @param objectsRead the Secrets and ConfigMaps its selection read: a change to one of them selects it again
 * @param footprint what its served version touches in the configuration (empty when not served)
 * @param services the Services its served version's backends name
 */
record IngressSelection(ObjectRef ref, String ignored, ServedIngress served, Ingress lastGood,
        List<Problem> problems, Set<ObjectRef> objectsRead, Set<TableKey> footprint, Set<ObjectRef> services) {

    boolean claimed() {
        return ignored == null;
    }

    /**
     * The problem a fault of Caravan's own on an Ingress makes: it names the Ingress, the fault and where it was.
     *
     * @param lastGoodServed whether its last good version is served in its stead
     */
    static Problem fault(ObjectRef ref, RuntimeException fault, boolean lastGoodServed) {
        StackTraceElement[] trace = fault.getStackTrace();
        return Problem.invalid(ref, Problem.INVALID_INGRESS, "could not be compiled (" + fault
                + (trace.length == 0 ? "" : " at " + trace[0]) + ": a fault of Caravan's, please report it; the other"
                + " Ingresses are served) " + (lastGoodServed ? "(its last good version is served)" : "(not served)"));
    }

    /** Selects Ingresses; one per compilation, as it holds what all selections share. */
    static final class Selector {

        private final IngressValidator validator = new IngressValidator();
        private final IngressClassMatcher classes;
        private final boolean passthroughEnabled;
        private final ControllerSettings settings;
        private final AnnotationObjects objects;
        private final ClusterState state;

        Selector(ControllerSettings settings, ClusterState state) {
            this.state = state;
            this.classes = new IngressClassMatcher(settings, state);
            this.passthroughEnabled = settings.sslPassthrough();
            this.settings = settings;
            this.objects = new AnnotationObjects(state, settings.allowedResponseHeaders());
        }

        /** Whether {@code --disable-catch-all} ignores it: it has a {@code spec.defaultBackend}, rules or not. */
        static boolean ignoredAsCatchAll(ControllerSettings settings, Ingress ingress) {
            return settings.disableCatchAll() && ingress.getSpec() != null
                    && ingress.getSpec().getDefaultBackend() != null;
        }

        /**
         * Whether a namespace is one {@code --watch-namespace-selector} selects: known (the API server lists those it
         * selects alone) and with matching labels (checked here too, whatever the server did).
         */
        private boolean selected(String namespace) {
            Namespace object = state.get(ResourceKind.NAMESPACE, new ObjectRef("", namespace));
            return object != null && LabelSelectors.matches(settings.namespaceSelector(), object.getMetadata().getLabels());
        }

        /**
         * @param previousGood its last good version, from the previous compilation, or {@code null}
         * @param disabled     whether an operator took it out of service
         */
        IngressSelection select(Ingress ingress, Ingress previousGood, boolean disabled) {
            ObjectRef ref = ClusterState.refOf(ingress);
            String notOurs = classes.whyNotOurs(ingress);
            if (notOurs == null && settings.namespaceSelector() != null && !selected(ref.namespace())) {
                notOurs = "its namespace " + ref.namespace() + " is not one --watch-namespace-selector selects";
            }
            if (notOurs == null && ignoredAsCatchAll(settings, ingress)) {
                notOurs = IngressCheck.CATCH_ALL;
            }
            if (notOurs != null) {
                return new IngressSelection(ref, notOurs, null, null, List.of(), Set.of(), Set.of(), Set.of());
            }
            List<Problem> problems = new ArrayList<>();
            Set<ObjectRef> objectsRead = new HashSet<>();
            if (disabled) {
                return disabled(ref, ingress, previousGood);
            }
            // as it is read: with the flags' values of what it does not set
            Map<String, String> effective = settings.effective(ingress.getMetadata().getAnnotations());
            AnnotationParser.Parsed annotations = settings.parseEffective(effective, ref.namespace());
            reportNotApplied(ref, annotations, problems);
            List<String> reasons = validator.validate(ingress);
            boolean specValid = reasons.isEmpty();
            String reason = Problem.INVALID_INGRESS;
            if (reasons.isEmpty() && annotations.blocked()) {
                annotations.findings().stream().filter(AnnotationFinding::blocking)
                        .forEach(finding -> reasons.add(finding.toString()));
                reason = annotations.findings().stream().anyMatch(f -> f.kind() == AnnotationFinding.Kind.REFUSED)
                        ? Problem.REFUSED_ANNOTATION : Problem.INVALID_ANNOTATION;
            }
            RoutePolicy policy = annotations.policy();
            boolean certificatesRead = reasons.isEmpty();
            if (certificatesRead) {
                policy = withCertificates(policy, objectsRead, ref, problems);
                try {
                    policy = objects.read(policy, objectsRead);
                } catch (IllegalArgumentException e) {
                    reasons.add(e.getMessage());
                    reason = Problem.INVALID_ANNOTATION;
                }
            }
            if (reasons.isEmpty()) {
                return served(ref, new ServedIngress(ingress, policy), problems, objectsRead);
            }
            String why = String.join("; ", reasons);
            Ingress good = previousGood;
            String denial = null;
            RoutePolicy goodPolicy = null;
            if (good != null) {
                Map<String, String> goodEffective = settings.effective(good.getMetadata().getAnnotations());
                AnnotationParser.Parsed goodAnnotations = settings.parseEffective(goodEffective, ref.namespace());
                // reported once: the current version's authorities, when read, are reported already
                List<Problem> reported = certificatesRead ? new ArrayList<>() : problems;
                if (goodAnnotations.blocked()) {
                    // valid once, not under the settings in force (cross-namespace Secrets no longer allowed): read
                    // without what it cannot have, it would lose its auth-secret, custom-headers or client
                    // certificates; as at a start, it is denied if it asks for any, else not served
                    if (asksForAccessControl(effective) || asksForAccessControl(goodEffective)) {
                        denial = "its last valid version is not valid under the settings in force either ("
                                + goodAnnotations.findings().stream().filter(AnnotationFinding::blocking)
                                        .map(AnnotationFinding::toString).collect(Collectors.joining("; ")) + ")";
                        goodPolicy = failClosed(good, goodAnnotations, objectsRead, ref, reported);
                    }
                } else {
                    goodPolicy = withCertificates(goodAnnotations.policy(), objectsRead, ref, reported);
                    try {
                        goodPolicy = objects.read(goodPolicy, objectsRead);
                    } catch (IllegalArgumentException secretsGone) {
                        denial = "the Secrets or ConfigMaps of its last valid version cannot be used either";
                    }
                    if (denial == null) {
                        denial = accessControlChanged(effective, goodEffective);
                    }
                    if (denial == null) {
                        problems.add(Problem.invalid(ref, reason, why + " (serving its last valid version)"));
                        return served(ref, new ServedIngress(good, goodPolicy), problems, objectsRead);
                    }
                }
            } else if (asksForAccessControl(effective)) {
                // no version to fall back to (a new Ingress, or a restart): its own rules are denied, as it asks, those
                // that validate if some do not
                good = specValid ? ingress : validator.validPart(ingress);
                if (good != null) {
                    denial = "it asks for access control, custom-headers or a snippet, and has no valid version to fall back to";
                    // its annotations valid, its users' Secret unreadable: its authorities are read already
                    goodPolicy = certificatesRead ? policy : failClosed(ingress, annotations, objectsRead, ref, problems);
                }
            }
            if (denial == null || goodPolicy.canary() != null || asksToBeCanary(good)) {
                // a canary's share of requests goes to the main Ingress's pods, under the main Ingress's access control
                problems.add(Problem.invalid(ref, reason, why + (denial == null ? " (not served)"
                        : " (not served: " + denial + ")")));
                return new IngressSelection(ref, null, null, previousGood, List.copyOf(problems), Set.copyOf(objectsRead),
                        Set.of(), Set.of());
            }
            // falling back could let in whom this version keeps out, and not serving it would hand its paths to other
            // Ingresses' rules, and its host's client certificates to none: its paths stay, answered 503, as nginx's
            // "location denied"
            boolean rules = good.getSpec().getRules() != null && !good.getSpec().getRules().isEmpty();
            problems.add(Problem.invalid(ref, reason, why + (rules ? " (its paths answer 503, and its hosts' paths no rule"
                    + " matches where it is their oldest Ingress: "
                    : " (its default backend answers 503: ") + denial + ")"));
            // with no valid version, an unreadable use-regex or rewrite-target may have made its paths regexes
            ServedIngress denied = new ServedIngress(good, goodPolicy.deny(previousGood == null && mayBeRegex(good)));
            return new IngressSelection(ref, null, denied, previousGood, List.copyOf(problems), Set.copyOf(objectsRead),
                    denied.footprint(passthroughEnabled), denied.services());
        }

        /**
         * The annotations that each turn a check on, or a protection (custom-headers: security headers, as nginx
         * denies a location whose headers cannot be read); the others of {@link #ACCESS_CONTROL} only shape those. The
         * snippets Caravan refuses are among them: what they said (often {@code allow}/{@code deny}, an auth request, WAF
         * rules) cannot be told, so their paths are not handed to other Ingresses' rules.
         */
        private static final List<String> CHECKS = List.of(AnnotationCatalog.PREFIX + "custom-headers",
                AnnotationCatalog.PREFIX + "auth-tls-secret",
                AnnotationCatalog.PREFIX + "auth-type", AnnotationCatalog.PREFIX + "auth-url",
                AnnotationParser.REQUEST_ROUTE, AnnotationCatalog.PREFIX + "allowlist-source-range",
                AnnotationCatalog.PREFIX + "whitelist-source-range", AnnotationCatalog.PREFIX + "denylist-source-range",
                AnnotationCatalog.PREFIX + "configuration-snippet", AnnotationCatalog.PREFIX + "server-snippet",
                AnnotationCatalog.PREFIX + "auth-snippet", AnnotationCatalog.PREFIX + "modsecurity-snippet");

        /**
         * An Ingress an operator took out of service: not served, kept to stand in again once enabled, should the
         * current version be invalid. One that asks for access control keeps its paths, answered 503, as an invalid one
         * does: dropping them would hand its requests, unchecked, to other Ingresses' rules on its hosts.
         */
        private IngressSelection disabled(ObjectRef ref, Ingress ingress, Ingress previousGood) {
            Ingress paths = validator.validate(ingress).isEmpty() ? ingress : previousGood;
            // its own asking, not the flags' defaults (--global-auth-url, source ranges): the host's other rules
            // have those too, and take its requests under them
            boolean guarded = asksForAccessControl(orNone(ingress.getMetadata().getAnnotations()))
                    || previousGood != null && asksForAccessControl(orNone(previousGood.getMetadata().getAnnotations()));
            if (!guarded || paths == null || asksToBeCanary(paths) || asksToBeCanary(ingress)) {
                // a canary's share of requests goes to the main Ingress's pods, under the main Ingress's access control
                return new IngressSelection(ref, null, null, previousGood, List.of(Problem.warning(ref,
                        Problem.DISABLED, "taken out of service by an operator; not served")), Set.of(), Set.of(),
                        Set.of());
            }
            AnnotationParser.Parsed annotations = settings.parse(paths.getMetadata().getAnnotations(), ref.namespace());
            // its hosts' client certificates stay asked for, as an invalid Ingress's denied paths keep them
            Set<ObjectRef> objectsRead = new HashSet<>();
            RoutePolicy policy = withCertificates(annotations.policy(), objectsRead, ref, new ArrayList<>());
            ServedIngress denied = new ServedIngress(paths, policy.deny(annotations.blocked() && mayBeRegex(paths)));
            return new IngressSelection(ref, null, denied, previousGood, List.of(Problem.warning(ref, Problem.DISABLED,
                    "taken out of service by an operator; its paths answer 503, as it asks for access control: they"
                            + " are not handed to other Ingresses' rules")), Set.copyOf(objectsRead),
                    denied.footprint(passthroughEnabled), denied.services());
        }

        private static Map<String, String> orNone(Map<String, String> annotations) {
            return annotations == null ? Map.of() : annotations;
        }

        private static boolean mayBeRegex(Ingress ingress) {
            Map<String, String> annotations = ingress.getMetadata().getAnnotations();
            String useRegex = AnnotationCatalog.PREFIX + "use-regex";
            return asks(annotations, AnnotationCatalog.PREFIX + "rewrite-target") || asks(annotations, useRegex)
                    && !isFalse(annotations.get(useRegex));
        }

        /** Go's strconv.ParseBool's false, as ingress-nginx reads booleans; anything else may mean true. */
        private static boolean isFalse(String value) {
            return List.of("0", "f", "F", "FALSE", "false", "False").contains(value.strip());
        }

        /** Whether it turns on a check: what an unservable version must not drop. */
        /** @param annotations as the Ingress is read ({@link ControllerSettings#effective}) */
        static boolean asksForAccessControl(Map<String, String> annotations) {
            // an empty request-route is refused, not read as none: it may be a check a template failed to name
            return CHECKS.stream().anyMatch(name -> asks(annotations, name))
                    || annotations != null && annotations.get(AnnotationParser.REQUEST_ROUTE) != null;
        }

        /**
         * Whether it says it is a canary, in whatever words: a canary denied is not served, its share going to the main
         * Ingress, and one whose canary value does not parse must not stand in for the main Ingress's rules.
         */
        static boolean asksToBeCanary(Ingress ingress) {
            Map<String, String> annotations = ingress == null ? null : ingress.getMetadata().getAnnotations();
            String canary = AnnotationCatalog.PREFIX + "canary";
            return asks(annotations, canary) && !isFalse(annotations.get(canary));
        }


        /**
         * The policy of a version denied for want of a valid one, with its host's client certificates as it asks, or,
         * where one of its auth-tls annotations is invalid, asked with no authorities: every request for the host is
         * then refused, as for an unreadable auth-tls-secret, rather than checked by what part of them could be read.
         */
        private RoutePolicy failClosed(Ingress ingress, AnnotationParser.Parsed annotations, Set<ObjectRef> read,
                ObjectRef ref, List<Problem> problems) {
            RoutePolicy parsed = annotations.policy();
            boolean invalidCertificates = annotations.findings().stream().anyMatch(finding -> finding.blocking()
                    && finding.annotation().startsWith(AnnotationCatalog.PREFIX + "auth-tls-"));
            if (parsed.clientCertificates() != null && !invalidCertificates) {
                return withCertificates(parsed, read, ref, problems);
            }
            if (!invalidCertificates
                    && !asks(ingress.getMetadata().getAnnotations(), AnnotationCatalog.PREFIX + "auth-tls-secret")) {
                return parsed;
            }
            return parsed.withClientCertificates(new RoutePolicy.ClientCertificates(null,
                    RoutePolicy.ClientCertificates.Verify.ON, 1, null, false, null, null));
        }

        /** The annotations that decide who gets in: an invalid edit of one of them does not fall back. */
        private static final List<String> ACCESS_CONTROL = Stream.concat(CHECKS.stream(), Stream.of(
                AnnotationCatalog.PREFIX + "auth-tls-verify-client", AnnotationCatalog.PREFIX + "auth-tls-verify-depth",
                AnnotationCatalog.PREFIX + "auth-tls-match-cn", AnnotationCatalog.PREFIX + "auth-secret",
                AnnotationCatalog.PREFIX + "auth-secret-type", AnnotationCatalog.PREFIX + "satisfy",
                AnnotationCatalog.PREFIX + "auth-response-headers", AnnotationCatalog.PREFIX + "auth-proxy-set-headers"))
                .toList();

        /**
         * Why falling back from annotations {@code now} to {@code before}, its last valid version's (both as read, with
         * the flags' values), could let in whom this one
         * keeps out, or {@code null}: the first access-control annotation (authentication, source ranges) this version
         * adds, changes or drops. Whether a change tightens cannot be told from a value that does not parse, so any
         * change counts; a dropped one too, as dropping {@code auth-tls-verify-client: optional} tightens.
         */
        private static String accessControlChanged(Map<String, String> now, Map<String, String> before) {
            for (String name : ACCESS_CONTROL) {
                String asked = asks(now, name) ? now.get(name).strip() : null;
                String applied = asks(before, name) ? before.get(name).strip() : null;
                if (!Objects.equals(asked, applied)) {
                    return applied == null ? "it now asks for " + name + ", which its last valid version does not"
                            : asked == null ? "it drops " + name + ", which its last valid version applies"
                            : "its " + name + " is not its last valid version's";
                }
            }
            return null;
        }

        private static boolean asks(Map<String, String> annotations, String name) {
            return annotations != null && annotations.get(name) != null && !annotations.get(name).isBlank();
        }

        private IngressSelection served(ObjectRef ref, ServedIngress served, List<Problem> problems,
                Set<ObjectRef> objectsRead) {
            return new IngressSelection(ref, null, served, served.ingress(), List.copyOf(problems),
                    Set.copyOf(objectsRead), served.footprint(passthroughEnabled), served.services());
        }

        /**
         * The policy with the certificate authorities of its auth-tls-secret read from the state. Authorities that
         * cannot be read leave the policy asking for client certificates with none to check them against: as
         * ingress-nginx, its hosts then answer every request 403, whichever Ingress's path it is for, rather than
         * serving them unprotected. Read apart from the users, so that a version denied for its users keeps them.
         *
         * @param read     where the Secret's reference is noted, whether it is found or not
         * @param problems where unreadable authorities are reported
         */
        private RoutePolicy withCertificates(RoutePolicy policy, Set<ObjectRef> read, ObjectRef ref,
                List<Problem> problems) {
            try {
                return objects.withAuthority(policy, read);
            } catch (IllegalArgumentException unreadable) {
                problems.add(Problem.warning(ref, Problem.INVALID_CERTIFICATE, unreadable.getMessage()
                        + "; every request for its hosts gets 403 until it can be read"));
                return policy;
            }
        }

        private static void reportNotApplied(ObjectRef ref, AnnotationParser.Parsed annotations,
                List<Problem> problems) {
            // an annotation Caravan supports, with a value it cannot apply, says why
            List<String> unsupported = annotations.findings().stream()
                    .filter(f -> f.kind() == AnnotationFinding.Kind.UNSUPPORTED)
                    .map(f -> f.annotation().startsWith(AnnotationCatalog.PREFIX) && AnnotationCatalog.lookup(
                            f.annotation().substring(AnnotationCatalog.PREFIX.length())).support()
                                    == AnnotationCatalog.Support.SUPPORTED ? f.toString() : f.annotation())
                    .toList();
            if (!unsupported.isEmpty()) {
                problems.add(Problem.warning(ref, Problem.UNSUPPORTED_ANNOTATION,
                        "not applied (Caravan does not support them yet): " + String.join(", ", unsupported)));
            }
            List<String> ignored = annotations.findings().stream()
                    .filter(f -> f.kind() == AnnotationFinding.Kind.IGNORED).map(AnnotationFinding::toString).toList();
            if (!ignored.isEmpty()) {
                problems.add(Problem.warning(ref, Problem.IGNORED_ANNOTATION, "invalid, not applied, as ingress-nginx"
                        + " passes over them: " + String.join("; ", ignored)));
            }
        }
    }
}
