package dev.caravan.upstream;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestCertificates;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backend-protocol: GRPC: real gRPC clients, over TLS and HTTP/2 to Caravan, reach a real gRPC server in h2c. */
class GrpcProxyTest {

    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> HOLD = method("Hold", MethodDescriptor.MethodType.UNARY);
    /** The h2c pod's SETTINGS_MAX_CONCURRENT_STREAMS. */
    private static final int POD_STREAMS = 2;
    private static final MethodDescriptor<String, String> CHAT = method("Chat",
            MethodDescriptor.MethodType.BIDI_STREAMING);
    private static final Metadata.Key<String> USER = Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path manifests;
    Server pod;
    Server tlsPod;
    CaravanHarness caravan;
    ManagedChannel client;
    final List<String> seenAuthorities = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    /** Accepts connections and never answers: no HTTP/2 SETTINGS. */
    ServerSocket silentPod;

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }

    @BeforeEach
    void start() throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext("echo " + request);
                    response.onCompleted();
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((request, response) -> later.schedule(() -> {
                    response.onNext("slow " + request);
                    response.onCompleted();
                }, 300, TimeUnit.MILLISECONDS)))
                .addMethod(HOLD, ServerCalls.asyncUnaryCall((request, response) -> later.schedule(() -> {
                    response.onNext("held " + request);
                    response.onCompleted();
                }, 2500, TimeUnit.MILLISECONDS)))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((request, response) ->
                        response.onError(Status.NOT_FOUND.withDescription("no " + request).asRuntimeException())))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall((StreamObserver<String> response) -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String message) {
                        response.onNext(message.toUpperCase(Locale.ROOT));
                    }

                    @Override
                    public void onError(Throwable t) {
                        response.onError(t);
                    }

                    @Override
                    public void onCompleted() {
                        response.onCompleted();
                    }
                }))
                .build();
        TestCertificates.Issued podCertificate = new TestCertificates().issue("grpc-pod.example.test");
        tlsPod = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.3", 0)).addService(echo)
                .sslContext(GrpcSslContexts.forServer(
                        new ByteArrayInputStream(podCertificate.certificatePem().getBytes(StandardCharsets.US_ASCII)),
                        new ByteArrayInputStream(podCertificate.keyPem().getBytes(StandardCharsets.US_ASCII))).build())
                .build().start();
        int tlsPort = ((InetSocketAddress) tlsPod.getListenSockets().get(0)).getPort();
        pod = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.2", 0)).addService(echo)
                .maxConcurrentCallsPerConnection(POD_STREAMS)
                .intercept(new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                            Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                        seenAuthorities.add(call.getAuthority() + " user=" + headers.get(USER));
                        return next.startCall(call, headers);
                    }
                })
                .build().start();
        int port = ((InetSocketAddress) pod.getListenSockets().get(0)).getPort();
        silentPod = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.4"));
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                Manifests.service("grpc"),
                Manifests.slice("grpc-0", "grpc", "127.0.0.2", port, true),
                Manifests.ingress("grpc", "grpc.example.test", "/", "grpc",
                        Map.of("nginx.ingress.kubernetes.io/backend-protocol", "GRPC")),
                Manifests.service("grpcs"),
                Manifests.slice("grpcs-0", "grpcs", "127.0.0.3", tlsPort, true),
                Manifests.ingress("grpcs", "grpcs.example.test", "/", "grpcs",
                        Map.of("nginx.ingress.kubernetes.io/backend-protocol", "GRPCS")),
                Manifests.ingress("limited", "limited.example.test", "/", "grpc",
                        Map.of("nginx.ingress.kubernetes.io/backend-protocol", "GRPC",
                                "nginx.ingress.kubernetes.io/proxy-connect-timeout", "1")),
                Manifests.service("silent"),
                Manifests.slice("silent-0", "silent", "127.0.0.4", silentPod.getLocalPort(), true),
                Manifests.ingress("silent", "silent.example.test", "/", "silent",
                        Map.of("nginx.ingress.kubernetes.io/backend-protocol", "GRPC",
                                "nginx.ingress.kubernetes.io/proxy-connect-timeout", "1"))));
        // one loop: every call shares one connection to the pod, and so its stream limit
        caravan = CaravanHarness.start(manifests, "--event-loops", "1");
        client = NettyChannelBuilder.forAddress("127.0.0.1", caravan.httpsPort()).overrideAuthority("grpc.example.test")
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        caravan.close();
        pod.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        tlsPod.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        later.shutdownNow();
        silentPod.close();
    }

    @Test
    void aUnaryCallGoesThroughWithItsMetadata() {
        Metadata metadata = new Metadata();
        metadata.put(USER, "ann");
        String answer = ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(client,
                MetadataUtils.newAttachHeadersInterceptor(metadata)), SAY, CallOptions.DEFAULT, "hello");
        assertThat(answer).isEqualTo("echo hello");
        assertThat(seenAuthorities).containsExactly("grpc.example.test user=ann");
        // many calls share the pod's one HTTP/2 connection, a stream each
        for (int i = 0; i < 20; i++) {
            assertThat(ClientCalls.blockingUnaryCall(client, SAY, CallOptions.DEFAULT, "n" + i)).isEqualTo("echo n" + i);
        }
    }

    @Test
    void callsBeyondThePodsStreamLimitWaitForAStreamInsteadOfFailing() throws Exception {
        // all at once on a new pod connection: streams wait for the pod's SETTINGS, then for each other
        List<ListenableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 3 * POD_STREAMS; i++) {
            calls.add(ClientCalls.futureUnaryCall(client.newCall(SLOW, CallOptions.DEFAULT), "c" + i));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertThat(calls.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("slow c" + i);
        }
    }

    @Test
    void aCallWaitingForAStreamLongerThanTheConnectTimeoutGets504AndNeverReachesThePod() throws Exception {
        List<ListenableFuture<String>> holding = new ArrayList<>();
        for (int i = 0; i < POD_STREAMS; i++) {
            holding.add(ClientCalls.futureUnaryCall(client.newCall(HOLD, CallOptions.DEFAULT), "h" + i));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seenAuthorities.size() < POD_STREAMS && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(seenAuthorities).hasSize(POD_STREAMS);
        ManagedChannel limited = NettyChannelBuilder.forAddress("127.0.0.1", caravan.httpsPort())
                .overrideAuthority("limited.example.test")
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                .build();
        try {
            // the pod's streams are all held: this call waits for one, for proxy-connect-timeout (1 s)
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(limited, SAY, CallOptions.DEFAULT, "late"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).contains("504"));
        } finally {
            limited.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (int i = 0; i < holding.size(); i++) {
            assertThat(holding.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("held h" + i);
        }
        // given up while waiting, the call was never sent to the pod, not even once a stream was free
        Thread.sleep(200);
        assertThat(seenAuthorities).noneMatch(seen -> seen.startsWith("limited.example.test"));
    }

    @Test
    void aPodThatSendsNoSettingsTimesOutAsAConnectionWould() throws Exception {
        RawHttp.Response response = RawHttp.get(caravan.httpPort(), "silent.example.test", "/test.Echo/Say");
        assertThat(response.status()).isEqualTo(504);
    }

    @Test
    void grpcsSpeaksHttp2OverTlsToThePod() throws Exception {
        ManagedChannel secure = NettyChannelBuilder.forAddress("127.0.0.1", caravan.httpsPort())
                .overrideAuthority("grpcs.example.test")
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                .build();
        try {
            assertThat(ClientCalls.blockingUnaryCall(secure, SAY, CallOptions.DEFAULT, "over tls"))
                    .isEqualTo("echo over tls");
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(secure, FAIL, CallOptions.DEFAULT, "x"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        } finally {
            secure.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aServersErrorStatusReachesTheClient() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(client, FAIL, CallOptions.DEFAULT, "thing"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no thing");
                });
    }

    @Test
    void aBidirectionalStreamFlowsBothWays() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(client.newCall(CHAT, CallOptions.DEFAULT),
                new StreamObserver<>() {
                    @Override
                    public void onNext(String message) {
                        received.add(message);
                    }

                    @Override
                    public void onError(Throwable t) {
                        failure.set(t);
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        requests.onNext("one");
        // the first answer arrives while the request stream is still open
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(received).containsExactly("ONE");
        for (String word : List.of("two", "three", "four")) {
            requests.onNext(word);
        }
        requests.onCompleted();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(failure.get()).isNull();
        assertThat(received).containsExactly("ONE", "TWO", "THREE", "FOUR");
        // what Caravan kept of the request body to send again was let go once the pod answered
        long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (RequestReplay.held() != 0 && System.nanoTime() < deadline2) {
            Thread.sleep(10);
        }
        assertThat(RequestReplay.held()).isZero();
    }
}
