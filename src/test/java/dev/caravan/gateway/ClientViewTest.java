package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.Networks;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ipfilter.IpFilterRuleType;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Who a request is from and what it asked for, as nginx's realip module and ingress-nginx's forwarded headers say. */
class ClientViewTest {

    private static final ClientView PEER = new ClientView(new InetSocketAddress("10.0.0.1", 40000), "10.0.0.1", "http",
            8080, null, "10.0.0.1", false);

    private static RealIpSettings settings(String trusted, boolean forwardedHeaders, boolean computeFull) {
        return new RealIpSettings(false, Duration.ofSeconds(5), Networks.parse(trusted, IpFilterRuleType.ACCEPT), true,
                "X-Forwarded-For", forwardedHeaders, computeFull);
    }

    private static ClientView view(RealIpSettings settings, String... headers) {
        HttpHeaders all = new DefaultHttpHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            all.add(headers[i], headers[i + 1]);
        }
        return ClientView.ofRequest(PEER, all, settings);
    }

    private static String client(RealIpSettings settings, String... headers) {
        return view(settings, headers).clientIp();
    }

    @Test
    void theClientIsTheLastAddressNotTrustedOrTheFirstWhenAllAre() {
        RealIpSettings inside = settings("10.0.0.0/8", false, false);
        assertThat(client(inside, "X-Forwarded-For", "203.0.113.1, 10.0.0.5")).isEqualTo("203.0.113.1");
        // what a client wrote before the first untrusted address is its own to say, and not believed
        assertThat(client(inside, "X-Forwarded-For", "198.51.100.9, 203.0.113.1, 10.0.0.5")).isEqualTo("203.0.113.1");
        assertThat(client(settings("0.0.0.0/0", false, false), "X-Forwarded-For", "198.51.100.9, 203.0.113.1"))
                .isEqualTo("198.51.100.9");
        // lines in order, the last nearest
        assertThat(client(inside, "X-Forwarded-For", "198.51.100.9", "X-Forwarded-For", "10.0.0.7"))
                .isEqualTo("198.51.100.9");
        // an address that does not parse ends the walk
        assertThat(client(inside, "X-Forwarded-For", "unknown, 10.0.0.5")).isEqualTo("10.0.0.5");
        assertThat(client(inside, "X-Forwarded-For", "2001:db8:0:0::7")).isEqualTo("2001:db8::7");
        assertThat(client(inside)).isEqualTo("10.0.0.1");
        // a peer not trusted is the client, whatever it says
        assertThat(view(settings("192.0.2.0/24", true, true), "X-Forwarded-For", "203.0.113.1",
                "X-Forwarded-Proto", "https")).isSameAs(PEER);
    }

    @Test
    void entriesWithPortsOrBracketsAreAddressesAndEmptyOnesAreSkipped() {
        RealIpSettings inside = settings("10.0.0.0/8", false, false);
        assertThat(client(inside, "X-Forwarded-For", "203.0.113.1:5000, 10.0.0.5:443")).isEqualTo("203.0.113.1");
        assertThat(client(inside, "X-Forwarded-For", "[2001:db8::1]:443,, 10.0.0.5")).isEqualTo("2001:db8::1");
        assertThat(client(inside, "X-Forwarded-For", "[2001:db8::2], ")).isEqualTo("2001:db8::2");
        // an IPv4 client as a dual-stack balancer writes it: IPv4 again, for IPv4 source ranges
        ClientView mapped = view(inside, "X-Forwarded-For", "::ffff:203.0.113.9");
        assertThat(mapped.clientIp()).isEqualTo("203.0.113.9");
        assertThat(mapped.client().getAddress()).isInstanceOf(java.net.Inet4Address.class);
    }

    @Test
    void aProxyHeaderToPort443OutweighsXForwardedProto() {
        ClientView balancerTls = new ClientView(new InetSocketAddress("10.0.0.1", 40000), "10.0.0.1", "https", 443,
                null, "10.0.0.1", true);
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-Proto", "http");
        assertThat(ClientView.ofRequest(balancerTls, headers, settings("10.0.0.0/8", true, false)).scheme())
                .isEqualTo("https");
    }

    @Test
    void forwardedHeadersSayWhatTheClientAskedForWhenTheyAreValid() {
        RealIpSettings forwarded = settings("10.0.0.0/8", true, false);
        ClientView view = view(forwarded, "X-Forwarded-Proto", "HTTPS", "X-Forwarded-Port", "443",
                "X-Forwarded-Host", "shop.example.com, inner.example.com", "X-Forwarded-For", "203.0.113.1");
        assertThat(view.scheme()).isEqualTo("https");
        assertThat(view.port()).isEqualTo(443);
        assertThat(view.host()).isEqualTo("shop.example.com");
        assertThat(view.forwardedFor()).isEqualTo("203.0.113.1");
        ClientView junk = view(forwarded, "X-Forwarded-Proto", "javascript", "X-Forwarded-Port", "99999",
                "X-Forwarded-Host", "bad host");
        assertThat(junk.scheme()).isEqualTo("http");
        assertThat(junk.port()).isEqualTo(8080);
        assertThat(junk.host()).isNull();
        // without use-forwarded-headers (enable-real-ip alone), only the client is taken
        ClientView realIpOnly = view(settings("10.0.0.0/8", false, false), "X-Forwarded-Proto", "https",
                "X-Forwarded-For", "203.0.113.1");
        assertThat(realIpOnly.scheme()).isEqualTo("http");
        assertThat(realIpOnly.clientIp()).isEqualTo("203.0.113.1");
    }

    @Test
    void theFullChainAddsThePeerToWhatCame() {
        RealIpSettings full = settings("10.0.0.0/8", true, true);
        assertThat(view(full, "X-Forwarded-For", "198.51.100.9, 203.0.113.1").forwardedFor())
                .isEqualTo("198.51.100.9, 203.0.113.1, 10.0.0.1");
        assertThat(view(full).forwardedFor()).isEqualTo("10.0.0.1");
    }
}
