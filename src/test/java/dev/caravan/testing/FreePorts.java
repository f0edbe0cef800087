package dev.caravan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for servers a test starts and binds later. A port taken from the kernel's ephemeral range
 * (new ServerSocket(0)) and closed can be handed to an outgoing connection before the server binds it,
 * which failed runs with "Address already in use"; ports below that range are never used for outgoing
 * connections, so they are handed out from there, in turn, each checked free.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    private static final int EPHEMERAL_LOW = ephemeralLow();
    private static final AtomicInteger NEXT =
            new AtomicInteger(ThreadLocalRandom.current().nextInt(Math.max(1, EPHEMERAL_LOW - LOWEST)));

    private FreePorts() {
    }

    public static int next() {
        int span = EPHEMERAL_LOW - LOWEST;
        for (int attempt = 0; attempt < span; attempt++) {
            int port = LOWEST + Math.floorMod(NEXT.getAndIncrement(), span);
            if (bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + EPHEMERAL_LOW);
    }

    private static boolean bindable(int port) {
        try (ServerSocket wildcard = new ServerSocket()) {
            wildcard.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException busy) {
            return false;
        }
    }

    private static int ephemeralLow() {
        try {
            Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
            int low = Files.exists(range) ? Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]) : 32_768;
            return low > LOWEST + 1_000 ? low : 32_768;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
