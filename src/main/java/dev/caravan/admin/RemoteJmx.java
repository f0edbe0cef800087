package dev.caravan.admin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.rmi.NoSuchObjectException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.MBeanServerForwarder;
import javax.management.remote.rmi.RMIConnectorServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote JMX over RMI on one port ({@code --jmx-port}), bound to one address (loopback by default).
 * Without a password file it is read-only: attributes can be read, nothing can be changed or invoked.
 * With one, a login is needed and a logged-in user may do what local JMX allows.
 */
public final class RemoteJmx implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteJmx.class);
    private static final Set<String> CHANGES = Set.of("invoke", "setAttribute", "setAttributes",
            "addNotificationListener", "removeNotificationListener");
    /** What loads or removes code and MBeans: refused to every remote user, logged in or not. */
    private static final Set<String> NEVER = Set.of("createMBean", "registerMBean", "unregisterMBean", "instantiate");

    private static final String RMI_HOSTNAME = "java.rmi.server.hostname";

    private final Registry registry;
    private final JMXConnectorServer server;

    private RemoteJmx(Registry registry, JMXConnectorServer server) {
        this.registry = registry;
        this.server = server;
    }

    public static RemoteJmx start(String bindAddress, int port, Path passwordFile) throws IOException {
        InetAddress address = InetAddress.getByName(bindAddress);
        if (!address.isAnyLocalAddress() && System.getProperty(RMI_HOSTNAME) == null) {
            // the connector's stub names the address clients call back: the one listened on, not the host's own
            // (read once by the JVM's RMI, before anything of it runs); -Djava.rmi.server.hostname wins
            System.setProperty(RMI_HOSTNAME, address.getHostAddress());
        }
        RMIServerSocketFactory sockets = new BoundSocketFactory(address);
        Registry registry = LocateRegistry.createRegistry(port, null, sockets);
        String host = address.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostName()
                : bindAddress.contains(":") ? "[" + bindAddress + "]" : bindAddress;
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi://" + host + ":" + port + "/jndi/rmi://" + host + ":"
                + port + "/jmxrmi");
        Map<String, Object> environment = new HashMap<>();
        environment.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets);
        if (passwordFile != null) {
            environment.put("jmx.remote.x.password.file", passwordFile.toString());
        }
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        try {
            JMXConnectorServer server = JMXConnectorServerFactory.newJMXConnectorServer(url, environment, mbeans);
            server.setMBeanServerForwarder(restricted(passwordFile == null ? CHANGES : Set.of()));
            server.start();
            LOG.info("Remote JMX on {} ({})", url, passwordFile == null ? "read-only" : "login with " + passwordFile);
            return new RemoteJmx(registry, server);
        } catch (IOException | RuntimeException e) {
            UnicastRemoteObject.unexportObject(registry, true);
            throw e;
        }
    }

    /** Passes calls through, but never those in {@link #NEVER} nor those in {@code refused}. */
    private static MBeanServerForwarder restricted(Set<String> refused) {
        MBeanServer[] target = new MBeanServer[1];
        return (MBeanServerForwarder) Proxy.newProxyInstance(RemoteJmx.class.getClassLoader(),
                new Class<?>[] {MBeanServerForwarder.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "setMBeanServer" -> {
                            target[0] = (MBeanServer) args[0];
                            return null;
                        }
                        case "getMBeanServer" -> {
                            return target[0];
                        }
                        default -> {
                            if (NEVER.contains(method.getName())) {
                                throw new SecurityException("remote JMX never creates, registers or loads MBeans");
                            }
                            if (refused.contains(method.getName())) {
                                throw new SecurityException("remote JMX is read-only; start Caravan with"
                                        + " --jmx-password-file to change anything");
                            }
                            try {
                                return method.invoke(target[0], args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    }
                });
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            LOG.debug("Stopping remote JMX: {}", e.toString());
        }
        try {
            UnicastRemoteObject.unexportObject(registry, true);
        } catch (NoSuchObjectException gone) {
            // already unexported
        }
    }

    /** Server sockets on the chosen address only, for the registry and the connector alike. */
    private record BoundSocketFactory(InetAddress address) implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, address);
        }
    }
}
