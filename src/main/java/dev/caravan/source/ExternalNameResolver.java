package dev.caravan.source;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.ExternalNames;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.Service;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks up the names of the Services of type ExternalName that the routing table sends to, and puts what the DNS
 * answers into the cluster state, where the compiler makes endpoints of it: the compiler itself never waits on the
 * network. A Service no Ingress (nor the default backend, nor a TCP or UDP port) names is not looked up, as
 * ingress-nginx resolves only its upstreams' names. As ingress-nginx, each name is
 * asked again every second, its answer cached for the TTL the DNS gave it, so that a changed record is followed
 * within its TTL and a second. Everything runs on one thread of its own, with Netty's asynchronous resolver (the
 * name servers and search domains of {@code /etc/resolv.conf}, or {@code --resolver}'s servers); as ingress-nginx's
 * resolver, it does not read {@code /etc/hosts}, whose names are this host's own.
 */
public final class ExternalNameResolver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExternalNameResolver.class);
    private static final Duration REFRESH = Duration.ofSeconds(1);
    /** How long a name the DNS says has no address is not asked again. */
    private static final int NEGATIVE_TTL_SECONDS = 5;
    private static final long QUERY_TIMEOUT_MILLIS = 5000;
    /**
     * Lookups that got no answer in a row before a name that resolved is taken as not resolving: one lost datagram
     * must not empty a backend, while a DNS gone for good is told within three timeouts.
     */
    private static final int TIMEOUTS_TOLERATED = 3;
    /**
     * How long the answer of a name no table sends to any more is kept, not asked again: a path moved from one
     * Ingress to another in two applies, or an Ingress an operator takes out of service and back, finds it there.
     */
    static final Duration UNUSED_KEPT = Duration.ofSeconds(60);
    private static final Comparator<InetAddress> BY_BYTES = (a, b) -> Arrays.compare(a.getAddress(), b.getAddress());

    private final ClusterStateStore store;
    private final Duration unusedKept;
    private final NioEventLoopGroup group;
    private final EventLoop loop;
    private final DnsNameResolver resolver;
    private final AtomicBoolean scanPending = new AtomicBoolean();
    // the rest is touched on the loop alone
    private ClusterState seen = ClusterState.EMPTY;
    /** The name each ExternalName Service is looked up by. */
    private final Map<ObjectRef, String> names = new HashMap<>();
    private final Map<ObjectRef, ExternalNames.Answer> answers = new HashMap<>();
    /** The name being asked for each Service now. */
    private final Map<ObjectRef, String> inFlight = new HashMap<>();
    /** Timeouts in a row of a name that resolved. */
    private final Map<ObjectRef, Integer> timeouts = new HashMap<>();
    /** When each answered Service stopped being sent to (System.nanoTime). */
    private final Map<ObjectRef, Long> unusedSince = new HashMap<>();
    /** Whether the last compilation's table sends to a Service. */
    private Predicate<ObjectRef> used = ref -> false;
    private volatile boolean closed;
    private volatile long seenVersion = -1;
    private volatile long usedVersion = -1;
    private volatile boolean settled = true;
    private volatile long publishedVersion;

    /** @param nameServers the DNS servers to ask, or empty for {@code /etc/resolv.conf}'s */
    public ExternalNameResolver(ClusterStateStore store, List<InetSocketAddress> nameServers) {
        this(store, nameServers, Duration.ofMillis(QUERY_TIMEOUT_MILLIS), UNUSED_KEPT);
    }

    /**
     * @param queryTimeout how long an answer is waited for
     * @param unusedKept   how long the answer of a name no table sends to is kept
     */
    ExternalNameResolver(ClusterStateStore store, List<InetSocketAddress> nameServers, Duration queryTimeout,
            Duration unusedKept) {
        this.store = store;
        this.unusedKept = unusedKept;
        this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("caravan-dns", true));
        this.loop = group.next();
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder(loop)
                .channelType(NioDatagramChannel.class)
                // a truncated answer is asked again over TCP
                .socketChannelType(NioSocketChannel.class)
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .negativeTtl(NEGATIVE_TTL_SECONDS)
                .queryTimeoutMillis(queryTimeout.toMillis())
                .hostsFileEntriesResolver((name, types) -> null);
        if (!nameServers.isEmpty()) {
            builder.nameServerProvider(new SequentialDnsServerAddressStreamProvider(nameServers));
        }
        this.resolver = builder.build();
    }

    /** Starts following the store's Services. */
    public void start() {
        store.addListener(this::stateChanged);
        stateChanged();
        loop.scheduleWithFixedDelay(this::refresh, REFRESH.toMillis(), REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Whether every ExternalName Service a table compiled from a state at least {@code version} sends to has had its
     * first answer, a failure included: until then their Ingresses' requests would get 503 for no lasting reason.
     */
    public boolean settled(long version) {
        return seenVersion >= version && usedVersion >= version && settled;
    }

    /**
     * Follows which Services a newly compiled table sends to: those it names for the first time are looked up at
     * once; those it no longer names are not looked up any more, and their answers are forgotten after a while.
     *
     * @param version the version of the state compiled
     * @param sendsTo whether the table sends to a Service
     */
    public void tableCompiled(long version, Predicate<ObjectRef> sendsTo) {
        if (closed) {
            return;
        }
        try {
            loop.execute(() -> follow(version, sendsTo));
        } catch (RejectedExecutionException stopping) {
            // closed meanwhile
        }
    }

    private void follow(long version, Predicate<ObjectRef> sendsTo) {
        if (closed) {
            return;
        }
        used = sendsTo;
        long now = System.nanoTime();
        for (ObjectRef ref : names.keySet()) {
            if (used.test(ref)) {
                if (unusedSince.remove(ref) != null) {
                    // its kept answer serves meanwhile; it may be past its TTL
                    lookUp(ref);
                } else {
                    lookUpIfUnanswered(ref);
                }
            } else if (answers.containsKey(ref)) {
                timeouts.remove(ref);
                unusedSince.putIfAbsent(ref, now);
            }
        }
        settled = allAnswered();
        usedVersion = version;
    }

    private void lookUpIfUnanswered(ObjectRef ref) {
        ExternalNames.Answer answer = answers.get(ref);
        if (answer == null || !answer.name().equals(names.get(ref))) {
            lookUp(ref);
        }
    }

    /** The version of the store's state that has the answers so far: a table compiled from it serves them. */
    public long publishedVersion() {
        return publishedVersion;
    }

    private void stateChanged() {
        if (!closed && scanPending.compareAndSet(false, true)) {
            try {
                loop.execute(this::scan);
            } catch (RejectedExecutionException stopping) {
                // closed meanwhile: nothing to follow any more
            }
        }
    }

    /** Follows the Services changed since the last scan: new names are asked at once. */
    private void scan() {
        scanPending.set(false);
        if (closed) {
            return;
        }
        ClusterState now = store.current();
        List<ObjectRef> ask = new ArrayList<>();
        boolean dropped = false;
        for (ObjectRef ref : now.changedSince(seen, ResourceKind.SERVICE)) {
            Service service = now.get(ResourceKind.SERVICE, ref);
            String name = service == null ? null : ExternalNames.dnsName(service);
            if (name == null) {
                names.remove(ref);
                timeouts.remove(ref);
                unusedSince.remove(ref);
                dropped |= answers.remove(ref) != null;
            } else if (!name.equals(names.put(ref, name))) {
                ask.add(ref);
            }
        }
        seen = now;
        if (dropped) {
            publish();
        }
        ask.forEach(this::lookUp);
        settled = allAnswered();
        seenVersion = now.version();
    }

    private void refresh() {
        names.keySet().forEach(this::lookUp);
        long now = System.nanoTime();
        boolean dropped = false;
        for (var unused = unusedSince.entrySet().iterator(); unused.hasNext(); ) {
            var entry = unused.next();
            if (now - entry.getValue() >= unusedKept.toNanos()) {
                unused.remove();
                dropped |= answers.remove(entry.getKey()) != null;
            }
        }
        if (dropped) {
            publish();
        }
    }

    private void lookUp(ObjectRef ref) {
        String name = names.get(ref);
        if (name == null || name.equals(inFlight.get(ref)) || !used.test(ref)) {
            return;
        }
        // a Service's new name is asked even while its old one's answer is awaited; that one is ignored when it comes
        inFlight.put(ref, name);
        resolver.resolveAll(name).addListener(done -> answered(ref, name, (Future<List<InetAddress>>) done));
    }

    private void answered(ObjectRef ref, String name, Future<List<InetAddress>> done) {
        inFlight.remove(ref, name);
        if (closed || !name.equals(names.get(ref)) || !used.test(ref)) {
            return;
        }
        ExternalNames.Answer before = answers.get(ref);
        ExternalNames.Answer answer;
        if (done.isSuccess()) {
            timeouts.remove(ref);
            answer = new ExternalNames.Answer(name, oneFamily(done.getNow()), null);
        } else {
            boolean timedOut = timedOut(done.cause());
            int inARow = timedOut ? timeouts.merge(ref, 1, Integer::sum) : 0;
            if (timedOut && inARow < TIMEOUTS_TOLERATED && before != null && before.name().equals(name)
                    && before.error() == null) {
                LOG.debug("ExternalName service {}: no answer for {} ({} in a row); its addresses are kept", ref, name,
                        inARow);
                return;
            }
            answer = new ExternalNames.Answer(name, List.of(), timedOut ? "the DNS did not answer"
                    : done.cause() instanceof UnknownHostException ? "no such name, or no address for it"
                            : done.cause().getClass().getSimpleName());
        }
        answers.put(ref, answer);
        if (!answer.equals(before)) {
            // the Ingresses using the Service are told (log and Event); here only who looks for it
            LOG.debug("ExternalName service {}: {} {}", ref, name, answer.error() != null
                    ? "does not resolve: " + answer.error() : "resolves to " + describe(answer));
            publish();
        }
        settled = allAnswered();
    }

    private boolean allAnswered() {
        return names.entrySet().stream().allMatch(named -> !used.test(named.getKey())
                || answers.containsKey(named.getKey()) && answers.get(named.getKey()).name().equals(named.getValue()));
    }

    private void publish() {
        if (closed) {
            return;
        }
        store.setExternalNames(new ExternalNames(answers));
        publishedVersion = store.version();
    }

    /** The IPv4 addresses where there are any, else the IPv6 ones; sorted, so that replicas balance alike. */
    private static List<InetAddress> oneFamily(List<InetAddress> addresses) {
        boolean v4 = addresses.stream().anyMatch(address -> address instanceof Inet4Address);
        return addresses.stream().filter(address -> address instanceof Inet4Address == v4).distinct().sorted(BY_BYTES)
                .toList();
    }

    private static boolean timedOut(Throwable cause) {
        for (Throwable inner = cause; inner != null; inner = inner.getCause()) {
            if (inner instanceof DnsNameResolverTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(ExternalNames.Answer answer) {
        return answer.addresses().stream().map(InetAddress::getHostAddress).toList().toString();
    }

    /**
     * The servers of a {@code --resolver} value: addresses separated by commas or spaces, each with an optional port
     * ({@code 10.0.0.10}, {@code 10.0.0.10:5353}, {@code [fd00::a]:53}, {@code fd00::a}).
     *
     * @throws IllegalArgumentException naming the first that is no address
     */
    public static List<InetSocketAddress> nameServers(String value) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String item : value.trim().split("[\\s,]+")) {
            if (item.isEmpty()) {
                continue;
            }
            String host = item;
            int port = 53;
            if (item.startsWith("[")) {
                int close = item.indexOf(']');
                if (close < 0 || close + 1 < item.length() && item.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("'" + item + "' is not an address");
                }
                host = item.substring(1, close);
                port = close + 1 < item.length() ? port(item.substring(close + 2), item) : 53;
            } else if (item.indexOf(':') > 0 && item.indexOf(':') == item.lastIndexOf(':')) {
                host = item.substring(0, item.indexOf(':'));
                port = port(item.substring(item.indexOf(':') + 1), item);
            }
            byte[] address = NetUtil.createByteArrayFromIpAddressString(host);
            if (address == null) {
                throw new IllegalArgumentException("'" + item + "' is not an IP address");
            }
            servers.add(new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(host), port));
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("names no server");
        }
        return List.copyOf(servers);
    }

    private static int port(String text, String item) {
        try {
            int port = Integer.parseInt(text);
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new IllegalArgumentException("'" + item + "' has no valid port");
    }

    /** Stops looking names up; answers still coming are dropped, and the store is not written to again. */
    @Override
    public void close() {
        closed = true;
        try {
            loop.execute(resolver::close);
        } catch (RejectedExecutionException alreadyStopped) {
            // nothing left to close
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
