package dev.caravan.tls;

import dev.caravan.collect.ShardedMap;
import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.compile.TlsHost;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the TLS hosts of each compilation into the {@link CertificateStore}'s certificates. A host
 * whose Secret is missing or cannot be served gets the default certificate, and the Ingress naming it
 * a Warning with the reason; other hosts are unaffected. Each Secret version is parsed once: the
 * result is kept while that version is in the state, until the clock changes it (an expiry, a
 * certificate becoming valid): the compiler runs again then ({@link #nextChange()}).
 */
public final class CertificateLoader implements CompilationListener {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateLoader.class);

    /**
     * A Secret version's outcome: a certificate, or why there is none.
     *
     * @param validFrom when a certificate not valid yet becomes so, or {@code null}
     */
    private record Outcome(Secret secret, ServerCertificate certificate, String error, Instant validFrom) {

        /** When the clock alone changes it: the certificate expires, or becomes valid; {@code null} never. */
        Instant changes() {
            return certificate != null ? certificate.notAfter() : validFrom;
        }
    }

    /** What a TLS host gets: its own certificate ({@code null}: the default one), and the problem to report. */
    private record Served(ServerCertificate certificate, Problem problem) {
    }

    private final TlsSecretReader reader;
    private final CertificateStore store;
    private final ObjectRef defaultSecret;
    private final ServerCertificate generated;
    private final Clock clock;
    /** The outcome of each Secret some host names, and the hosts that name it. */
    private final Map<ObjectRef, Outcome> outcomes = new HashMap<>();
    private final Map<ObjectRef, Set<String>> hostsBySecret = new HashMap<>();
    private ShardedMap<String, ServerCertificate> certificates = ShardedMap.of();
    private final Map<String, Problem> problemsByHost = new HashMap<>();
    private List<Problem> problems = List.of();
    private ServerCertificate fallback;
    private String defaultProblem;
    private Map<String, TlsHost> loadedTls = Map.of();
    private ClusterState loadedFrom;
    /** The first time an outcome changes by the clock alone: a certificate expires, or becomes valid. */
    private Instant firstExpiry = Instant.MAX;

    /**
     * @param defaultSecret the Secret of the default certificate ({@code --default-ssl-certificate}), or
     *                      {@code null} for {@code generated} alone
     * @param generated     the certificate served when nothing else is: self-signed, made at start
     */
    public CertificateLoader(TlsSecretReader reader, CertificateStore store, ObjectRef defaultSecret,
            ServerCertificate generated, Clock clock) {
        this.reader = reader;
        this.store = store;
        this.defaultSecret = defaultSecret;
        this.generated = generated;
        this.clock = clock;
    }

    /**
     * Serves again what changed since the last compilation: the TLS hosts it added, removed or changed, those whose
     * Secret changed, and those whose certificate has expired since. An edit at 10,000 TLS hosts reads one host, not
     * 10,000.
     */
    @Override
    public synchronized List<Problem> compiled(ClusterState state, Compilation compilation) {
        Map<String, TlsHost> tls = compilation.tls();
        Instant now = clock.instant();
        Set<String> changed = new HashSet<>();
        Set<ObjectRef> changedSecrets = new HashSet<>();
        boolean expired = !now.isBefore(firstExpiry);
        if (loadedFrom == null) {
            changed.addAll(tls.keySet());
        } else {
            ShardedMap.forEachChangedKey(loadedTls, tls, changed::add);
            changedSecrets.addAll(state.changedSince(loadedFrom, ResourceKind.SECRET));
        }
        if (expired) {
            // a certificate that expired is read again, and refused; one that was not valid yet is read again, and served
            outcomes.entrySet().removeIf(entry -> {
                Instant changes = entry.getValue().changes();
                boolean due = changes != null && !now.isBefore(changes);
                if (due) {
                    changedSecrets.add(entry.getKey());
                }
                return due;
            });
        }
        // their hosts are served again; a Secret is read again only if it is another version (see outcome)
        for (ObjectRef secret : changedSecrets) {
            changed.addAll(hostsBySecret.getOrDefault(secret, Set.of()));
            if (state.get(ResourceKind.SECRET, secret) == null) {
                // deleted: its key is not kept, and one made again is read again
                outcomes.remove(secret);
            }
        }
        boolean problemsChanged = false;
        ShardedMap.Editor<String, ServerCertificate> certificateEditor = certificates.edit();
        for (String host : changed) {
            TlsHost entry = tls.get(host);
            Served serving = entry == null ? null : serve(entry, state);
            TlsHost was = loadedTls.get(host);
            if (was != null && was.secret() != null && (entry == null || !was.secret().equals(entry.secret()))) {
                // after serving: a Secret the host still names stays read
                forget(was.secret(), host);
            }
            if (serving != null && serving.certificate() != null) {
                certificateEditor.put(host, serving.certificate());
            } else {
                certificateEditor.remove(host);
            }
            Problem problem = serving == null ? null : serving.problem();
            Problem before = problem == null ? problemsByHost.remove(host) : problemsByHost.put(host, problem);
            problemsChanged |= !Objects.equals(before, problem);
        }
        certificates = certificateEditor.build();
        if (fallback == null || changedSecrets.contains(defaultSecret)) {
            fallback = defaultCertificate(state);
        }
        if (expired) {
            firstExpiry = outcomes.values().stream().map(Outcome::changes).filter(Objects::nonNull)
                    .min(Instant::compareTo).orElse(Instant.MAX);
        }
        if (problemsChanged) {
            problems = List.copyOf(problemsByHost.values());
        }
        if (!changed.isEmpty() || store.fallback() != fallback || loadedFrom == null) {
            store.update(certificates, fallback);
        }
        loadedTls = tls;
        loadedFrom = state;
        return problems;
    }

    @Override
    public synchronized Instant nextChange() {
        return firstExpiry.equals(Instant.MAX) ? null : firstExpiry;
    }

    /** What {@code host} gets now: its Secret's certificate, or the default one with a problem to report. */
    private Served serve(TlsHost host, ClusterState state) {
        if (host.secret() == null) {
            return new Served(null, null);
        }
        hostsBySecret.computeIfAbsent(host.secret(), ref -> new HashSet<>()).add(host.host());
        Secret secret = state.get(ResourceKind.SECRET, host.secret());
        if (secret == null) {
            return new Served(null, Problem.warning(host.ingress(), Problem.SECRET_NOT_FOUND,
                    "TLS Secret " + host.secret() + " does not exist; "
                            + host.host() + " gets the default certificate"));
        }
        Outcome outcome = outcome(host.secret(), secret);
        if (host.alias()) {
            // as ingress-nginx: an alias has its host's certificate only if that is for the alias's name too; a broken
            // one is its host's to report
            boolean forAlias = outcome.certificate() != null && outcome.certificate().covers(host.host());
            return new Served(forAlias ? outcome.certificate() : null, null);
        }
        if (outcome.certificate() != null && !outcome.certificate().servedFor(host.host())) {
            // as ingress-nginx, which serves a host its Secret's certificate does not name with the default one
            return new Served(null, Problem.warning(host.ingress(), Problem.INVALID_CERTIFICATE, "TLS Secret "
                    + host.secret() + ": " + outcome.certificate().notFor(List.of(host.host())) + "; " + host.host()
                    + " gets the default certificate"));
        }
        if (outcome.certificate() != null) {
            return new Served(outcome.certificate(), null);
        }
        return new Served(null, Problem.warning(host.ingress(), Problem.INVALID_CERTIFICATE,
                "TLS Secret " + host.secret() + ": " + outcome.error() + "; " + host.host()
                        + " gets the default certificate"));
    }

    /** {@code host} no longer names {@code secret}: a Secret no host names is let go. */
    private void forget(ObjectRef secret, String host) {
        Set<String> hosts = hostsBySecret.get(secret);
        if (hosts != null && hosts.remove(host) && hosts.isEmpty()) {
            hostsBySecret.remove(secret);
            if (!secret.equals(defaultSecret)) {
                outcomes.remove(secret);
            }
        }
    }

    /** The Secret's certificate, parsed if this version is new to the loader. */
    private Outcome outcome(ObjectRef ref, Secret secret) {
        Outcome outcome = outcomes.get(ref);
        if (outcome == null || !sameVersion(outcome.secret(), secret)) {
            try {
                outcome = new Outcome(secret, reader.read(ref, secret, clock.instant()), null, null);
            } catch (InvalidCertificateException e) {
                outcome = new Outcome(secret, null, e.getMessage(), e.validFrom());
            } catch (RuntimeException e) {
                // whatever a Secret holds, it costs its own hosts their certificate, never the compilation
                outcome = new Outcome(secret, null, "cannot be read: " + (e.getMessage() != null ? e.getMessage()
                        : e.getClass().getSimpleName()), null);
            }
            Instant changes = outcome.changes();
            if (changes != null && changes.isBefore(firstExpiry)) {
                firstExpiry = changes;
            }
            outcomes.put(ref, outcome);
        }
        return outcome;
    }

    /**
     * Whether two Secret objects are one version: the same object, or, after a relist decoded them all again, the
     * same uid and resourceVersion (manifests have neither, and are read again).
     */
    private static boolean sameVersion(Secret read, Secret now) {
        if (read == now) {
            return true;
        }
        String version = now.getMetadata().getResourceVersion();
        String uid = now.getMetadata().getUid();
        // the data too: a manifest exported with its uid and resourceVersion may be given other keys
        return version != null && uid != null && version.equals(read.getMetadata().getResourceVersion())
                && uid.equals(read.getMetadata().getUid()) && Objects.equals(read.getData(), now.getData())
                && Objects.equals(read.getStringData(), now.getStringData());
    }

    private ServerCertificate defaultCertificate(ClusterState state) {
        if (defaultSecret == null) {
            return generated;
        }
        Secret secret = state.get(ResourceKind.SECRET, defaultSecret);
        String problem;
        ServerCertificate certificate = null;
        if (secret == null) {
            problem = "no such Secret";
        } else {
            Outcome outcome = outcome(defaultSecret, secret);
            certificate = outcome.certificate();
            problem = outcome.error();
            // the certificate of last resort is made ready now: if the TLS library refuses it, the generated one
            // serves, where a handshake could otherwise find no certificate at all
            if (certificate != null && certificate.contexts().plainNow() == null) {
                certificate = null;
                problem = "the TLS library refuses it (see the log)";
            }
        }
        if (problem != null && !problem.equals(defaultProblem)) {
            LOG.warn("--default-ssl-certificate {}: {}; serving a generated self-signed certificate instead",
                    defaultSecret, problem);
        }
        defaultProblem = problem;
        return certificate != null ? certificate : generated;
    }
}
