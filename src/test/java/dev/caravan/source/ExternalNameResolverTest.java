package dev.caravan.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.ExternalNames;
import dev.caravan.testing.TestDns;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The resolver against a DNS server on loopback: what it puts into the cluster state as the ExternalName Services
 * change and as the DNS answers, or does not.
 */
class ExternalNameResolverTest {

    private static final ObjectRef PARTNER = ObjectRef.parse("default/partner");

    @Test
    void followsTheServicesNameTypeAndRecordsAndAsksAFullyQualifiedNameAsItIs() throws Exception {
        ClusterStateStore store = new ClusterStateStore();
        try (TestDns dns = new TestDns(); ExternalNameResolver resolver = resolver(store, dns, Duration.ofSeconds(2))) {
            dns.set("api.partner.test", "192.0.2.2", "192.0.2.1", "2001:db8::1");
            store.apply(List.of(Change.upsert(externalName("API.Partner.test."))));
            startSendingTo(resolver, store, PARTNER::equals);
            // IPv4 alone where there is any, sorted
            await().atMost(Duration.ofSeconds(5)).until(() -> addresses(store), List.of("192.0.2.1", "192.0.2.2")::equals);
            assertThat(answer(store).name()).isEqualTo("api.partner.test.");
            // the trailing dot: no search domain of /etc/resolv.conf was tried
            assertThat(dns.asked()).allMatch(asked -> asked.equalsIgnoreCase("api.partner.test."));
            assertThat(resolver.settled(store.version())).isTrue();

            dns.set("api.partner.test", "2001:db8::1");
            await().atMost(Duration.ofSeconds(5)).until(() -> addresses(store), List.of("2001:db8:0:0:0:0:0:1")::equals);

            // renamed while the old name's answer is awaited: the new one is asked at once
            dns.delay("slow.partner.test", Duration.ofSeconds(-1));
            store.apply(List.of(Change.upsert(externalName("slow.partner.test."))));
            dns.set("fast.partner.test", "192.0.2.9");
            store.apply(List.of(Change.upsert(externalName("fast.partner.test."))));
            await().atMost(Duration.ofSeconds(1)).until(() -> addresses(store), List.of("192.0.2.9")::equals);

            // no longer of type ExternalName: its answer goes
            Service plain = externalName("fast.partner.test.");
            plain.getSpec().setType("ClusterIP");
            store.apply(List.of(Change.upsert(plain)));
            await().atMost(Duration.ofSeconds(5)).until(() -> answer(store) == null);
        }
    }

    @Test
    void aLostAnswerKeepsTheAddressesUntilThirdInARowAndNoSuchNameIsAnAnswerAtOnce() throws Exception {
        ClusterStateStore store = new ClusterStateStore();
        try (TestDns dns = new TestDns(); ExternalNameResolver resolver = resolver(store, dns, Duration.ofMillis(400))) {
            dns.set("api.partner.test", "192.0.2.1");
            store.apply(List.of(Change.upsert(externalName("api.partner.test"))));
            startSendingTo(resolver, store, PARTNER::equals);
            await().atMost(Duration.ofSeconds(5)).until(() -> addresses(store), List.of("192.0.2.1")::equals);

            dns.delay("api.partner.test", Duration.ofSeconds(-1));
            int asked = dns.questions();
            // one lookup lost (its TTL of 1 s over, a query timed out): the addresses stay
            await().atMost(Duration.ofSeconds(5)).until(() -> dns.questions() > asked);
            Thread.sleep(600);
            assertThat(addresses(store)).containsExactly("192.0.2.1");
            // three in a row: the DNS is taken as gone
            await().atMost(Duration.ofSeconds(10)).until(() -> answer(store).error() != null);
            assertThat(answer(store).error()).isEqualTo("the DNS did not answer");

            dns.delay("api.partner.test", Duration.ZERO);
            await().atMost(Duration.ofSeconds(5)).until(() -> addresses(store), List.of("192.0.2.1")::equals);
            dns.remove("api.partner.test");
            await().atMost(Duration.ofSeconds(5)).until(() -> answer(store).error() != null);
            assertThat(answer(store).error()).isEqualTo("no such name, or no address for it");
        }
    }

    @Test
    void onlyTheNamesOfServicesTheTableSendsToAreLookedUp() throws Exception {
        ClusterStateStore store = new ClusterStateStore();
        try (TestDns dns = new TestDns(); ExternalNameResolver resolver = resolver(store, dns, Duration.ofSeconds(2))) {
            dns.set("api.partner.test", "192.0.2.1");
            store.apply(List.of(Change.upsert(externalName("api.partner.test."))));
            AtomicBoolean named = new AtomicBoolean();
            startSendingTo(resolver, store, ref -> named.get() && ref.equals(PARTNER));
            // no Ingress names it: never asked, and nothing to wait for
            await().atMost(Duration.ofSeconds(5)).until(() -> resolver.settled(store.version()));
            Thread.sleep(1500);
            assertThat(dns.questions()).isZero();
            assertThat(answer(store)).isNull();

            // named by a table: asked at once, and every second after
            named.set(true);
            resolver.tableCompiled(store.version(), ref -> named.get() && ref.equals(PARTNER));
            await().atMost(Duration.ofSeconds(2)).until(() -> addresses(store), List.of("192.0.2.1")::equals);
            assertThat(resolver.settled(store.version())).isTrue();

            // named no more: the DNS no longer asked, and its answer kept for a while (here 3 s), then forgotten
            named.set(false);
            resolver.tableCompiled(store.version(), ref -> false);
            Thread.sleep(300);
            int asked = dns.questions();
            Thread.sleep(1500);
            assertThat(dns.questions()).isEqualTo(asked);
            assertThat(addresses(store)).containsExactly("192.0.2.1");
            // named again meanwhile: there at once
            named.set(true);
            resolver.tableCompiled(store.version(), ref -> named.get() && ref.equals(PARTNER));
            assertThat(resolver.settled(store.version())).isTrue();
            named.set(false);
            resolver.tableCompiled(store.version(), ref -> false);
            await().atMost(Duration.ofSeconds(6)).until(() -> answer(store) == null);
            assertThat(dns.questions()).isLessThanOrEqualTo(asked + 2);
        }
    }

    /** Starts the resolver, told after every change of the state that a table compiled from it sends to these. */
    private static void startSendingTo(ExternalNameResolver resolver, ClusterStateStore store,
            Predicate<ObjectRef> sendsTo) {
        store.addListener(() -> resolver.tableCompiled(store.version(), sendsTo));
        resolver.start();
        resolver.tableCompiled(store.version(), sendsTo);
    }

    private static ExternalNameResolver resolver(ClusterStateStore store, TestDns dns, Duration timeout) {
        return new ExternalNameResolver(store, ExternalNameResolver.nameServers(dns.address()), timeout,
                Duration.ofSeconds(3));
    }

    private static ExternalNames.Answer answer(ClusterStateStore store) {
        return store.current().externalNames().get(PARTNER);
    }

    private static List<String> addresses(ClusterStateStore store) {
        ExternalNames.Answer answer = answer(store);
        return answer == null ? List.of() : answer.addresses().stream().map(InetAddress::getHostAddress).toList();
    }

    private static Service externalName(String name) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("partner")
                .withResourceVersion(String.valueOf(System.nanoTime())).endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName(name).endSpec().build();
    }
}
