package dev.caravan.tls;

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
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the TLS hosts of each compilation into the {@link CertificateStore}'s certificates. A host
 * whose Secret is missing or cannot be served gets the default certificate, and the Ingress naming it
 * a Warning with the reason; other hosts are unaffected. Each Secret version is parsed once: the
 * result is kept while the same Secret object is in the state (a changed Secret is a new object).
 */
public final class CertificateLoader implements CompilationListener {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateLoader.class);

    /** A Secret version's outcome: a certificate, or why there is none. */
    private record Outcome(ServerCertificate certificate, String error) {
    }

    private final TlsSecretReader reader;
    private final CertificateStore store;
    private final ObjectRef defaultSecret;
    private final ServerCertificate generated;
    private final Clock clock;
    private Map<Secret, Outcome> parsed = new IdentityHashMap<>();
    private String defaultProblem;
    private Map<String, TlsHost> loadedTls;
    private ClusterState loadedFrom;
    private List<Problem> loadedProblems = List.of();
    private Instant firstExpiry = Instant.MIN;

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

    @Override
    public synchronized List<Problem> compiled(ClusterState state, Compilation compilation) {
        if (compilation.tls() == loadedTls && loadedFrom != null
                && state.changedSince(loadedFrom, ResourceKind.SECRET).isEmpty()
                && clock.instant().isBefore(firstExpiry)) {
            // the same TLS hosts and Secrets, nothing expired since: what was loaded stands (a change to other
            // hosts at 10,000 TLS hosts does not read them all again)
            loadedFrom = state;
            return loadedProblems;
        }
        Map<Secret, Outcome> seen = new IdentityHashMap<>();
        Map<String, ServerCertificate> byHost = new HashMap<>();
        Set<Problem> problems = new LinkedHashSet<>();
        for (TlsHost host : compilation.tls().values()) {
            if (host.secret() == null) {
                continue;
            }
            Secret secret = state.get(ResourceKind.SECRET, host.secret());
            if (secret == null) {
                problems.add(Problem.warning(host.ingress(), Problem.SECRET_NOT_FOUND, "TLS Secret " + host.secret()
                        + " does not exist (only Secrets of type kubernetes.io/tls are read); " + host.host()
                        + " gets the default certificate"));
                continue;
            }
            Outcome outcome = outcome(host.secret(), secret, seen);
            if (host.alias()) {
                // as ingress-nginx: an alias has its host's certificate only if that is for the alias's name too;
                // a broken one is its host's to report
                if (outcome.certificate() != null && outcome.certificate().isFor(host.host())) {
                    byHost.put(host.host(), outcome.certificate());
                }
            } else if (outcome.certificate() != null) {
                byHost.put(host.host(), outcome.certificate());
            } else {
                problems.add(Problem.warning(host.ingress(), Problem.INVALID_CERTIFICATE, "TLS Secret "
                        + host.secret() + ": " + outcome.error() + "; " + host.host() + " gets the default certificate"));
            }
        }
        ServerCertificate fallback = defaultCertificate(state, seen);
        store.update(byHost, fallback);
        parsed = seen;
        loadedTls = compilation.tls();
        loadedFrom = state;
        loadedProblems = List.copyOf(problems);
        firstExpiry = byHost.values().stream().map(ServerCertificate::notAfter).reduce(fallback.notAfter(),
                (a, b) -> a.isBefore(b) ? a : b);
        return loadedProblems;
    }

    /** The Secret's certificate, parsed if this version is new; an expiry since then is noticed too. */
    private Outcome outcome(ObjectRef ref, Secret secret, Map<Secret, Outcome> seen) {
        Outcome outcome = seen.get(secret);
        if (outcome == null) {
            outcome = parsed.get(secret);
        }
        if (outcome != null && outcome.certificate() != null
                && outcome.certificate().notAfter().isBefore(clock.instant())) {
            outcome = null;
        }
        if (outcome == null) {
            try {
                outcome = new Outcome(reader.read(ref, secret, clock.instant()), null);
            } catch (InvalidCertificateException e) {
                outcome = new Outcome(null, e.getMessage());
            }
        }
        seen.put(secret, outcome);
        return outcome;
    }

    private ServerCertificate defaultCertificate(ClusterState state, Map<Secret, Outcome> seen) {
        if (defaultSecret == null) {
            return generated;
        }
        Secret secret = state.get(ResourceKind.SECRET, defaultSecret);
        String problem;
        ServerCertificate certificate = null;
        if (secret == null) {
            problem = "no such Secret (only Secrets of type kubernetes.io/tls are read)";
        } else {
            Outcome outcome = outcome(defaultSecret, secret, seen);
            certificate = outcome.certificate();
            problem = outcome.error();
        }
        if (problem != null && !problem.equals(defaultProblem)) {
            LOG.warn("--default-ssl-certificate {}: {}; serving a generated self-signed certificate instead",
                    defaultSecret, problem);
        }
        defaultProblem = problem;
        return certificate != null ? certificate : generated;
    }
}
