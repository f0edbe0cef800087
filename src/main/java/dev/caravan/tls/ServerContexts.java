package dev.caravan.tls;

import dev.caravan.auth.ClientCertificateAuthority;
import io.netty.handler.ssl.SslContext;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One certificate's TLS server contexts, each made off the event loops for the first handshake that needs it: a
 * context takes a millisecond of a core and 7 KiB of heap and as much native memory, which a certificate read at
 * start for each of 10,000 TLS hosts, most of them seldom asked for, would spend up front. The plain context asks
 * clients for no certificate; hosts that ask for client certificates get one per set of authorities, let go with
 * those authorities once no routing table holds them.
 */
public final class ServerContexts {

    private static final Logger LOG = LoggerFactory.getLogger(ServerContexts.class);

    /**
     * Makes the contexts: daemon threads that end when idle. Tasks are one per context to make, so the queue holds at
     * most the configuration's certificates; its bound is only a backstop.
     */
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadPoolExecutor MAKER = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(100_000), runnable -> {
                Thread thread = new Thread(runnable, "caravan-tls-contexts-" + THREADS.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });

    static {
        MAKER.allowCoreThreadTimeOut(true);
    }

    private final TlsSettings settings;
    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private volatile CompletableFuture<SslContext> plain;
    private final Map<ClientCertificateAuthority, CompletableFuture<SslContext>> byAuthority = new WeakHashMap<>();

    /** Contexts made when first needed. */
    public ServerContexts(TlsSettings settings, PrivateKey key, List<X509Certificate> chain) {
        this.settings = settings;
        this.key = key;
        this.chain = List.copyOf(chain);
    }

    /** Contexts whose plain one is made now, on this thread: for certificates in use from the start. */
    public static ServerContexts madeNow(TlsSettings settings, PrivateKey key, List<X509Certificate> chain)
            throws SSLException {
        ServerContexts contexts = new ServerContexts(settings, key, chain);
        contexts.plain = CompletableFuture.completedFuture(settings.serverContext(key, chain));
        return contexts;
    }

    /**
     * The context asking for no client certificate; {@code null} when it cannot be made (logged once), and another
     * certificate is to be served. Never completes exceptionally.
     */
    public CompletableFuture<SslContext> plain() {
        CompletableFuture<SslContext> made = plain;
        if (made != null) {
            return made;
        }
        synchronized (this) {
            if (plain == null) {
                CompletableFuture<SslContext> making = new CompletableFuture<>();
                if (!submit(making, null)) {
                    return making;
                }
                plain = making;
            }
            return plain;
        }
    }

    /**
     * The plain context, made on this thread if it is not made yet (a task already queued for it then finds it made);
     * {@code null} when it cannot be made. For the thread that needs it at once, not an event loop.
     */
    public SslContext plainNow() {
        CompletableFuture<SslContext> made = plain();
        if (!made.isDone()) {
            made.complete(build(null));
        }
        return made.join();
    }

    /**
     * The context asking for certificates of {@code authority} and naming them; the plain one when it cannot be made
     * (logged once): handshakes then ask without naming them, and a client offers whichever certificate it has.
     * Never completes exceptionally.
     */
    public synchronized CompletableFuture<SslContext> asking(ClientCertificateAuthority authority) {
        // kept under the authority the routing table holds now: an equal one read again (each Ingress edit reads
        // it again) must not let the context, and its TLS sessions, go with the older copy
        CompletableFuture<SslContext> made = byAuthority.remove(authority);
        if (made == null) {
            CompletableFuture<SslContext> making = new CompletableFuture<>();
            if (!submit(making, authority.authorities())) {
                return making;
            }
            made = making.thenCompose(context -> context != null ? CompletableFuture.completedFuture(context)
                    : plain());
        }
        byAuthority.put(authority, made);
        return made;
    }

    /**
     * Queues the making of a context; when the queue is full, completes it with {@code null} at once, and returns
     * false: that is not remembered, and the next handshake tries again.
     *
     * @param authorities those to ask client certificates of, or {@code null} to ask for none; the task holds them,
     *                    not their authority, which is let go when no table holds it
     */
    private boolean submit(CompletableFuture<SslContext> making, List<X509Certificate> authorities) {
        try {
            MAKER.execute(() -> {
                try {
                    if (!making.isDone()) {
                        making.complete(build(authorities));
                    }
                } finally {
                    // whatever went wrong, no handshake waits for ever
                    making.complete(null);
                }
            });
            return true;
        } catch (RejectedExecutionException full) {
            LOG.warn("TLS certificate {}: {} contexts wait to be made; served by the default certificate for now",
                    chain.get(0).getSubjectX500Principal().getName(), MAKER.getQueue().size());
            making.complete(null);
            return false;
        }
    }

    private SslContext build(List<X509Certificate> authorities) {
        try {
            return authorities == null ? settings.serverContext(key, chain)
                    : settings.askingServerContext(key, chain, authorities);
        } catch (SSLException | RuntimeException e) {
            LOG.warn("TLS certificate {}: {}: {}", chain.get(0).getSubjectX500Principal().getName(),
                    authorities == null ? "cannot be served, its hosts get the default certificate"
                            : "handshakes cannot name the authorities of client certificates", e.getMessage());
            return null;
        }
    }
}
