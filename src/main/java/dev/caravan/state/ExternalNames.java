package dev.caravan.state;

import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.Service;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the DNS answered for the names of the Services of type ExternalName, by Service: part of the cluster state, so
 * that the compiler turns them into endpoints as it does EndpointSlices, without looking anything up itself.
 */
public record ExternalNames(Map<ObjectRef, Answer> answers) {

    public static final ExternalNames NONE = new ExternalNames(Map.of());

    /** A DNS label: lower-case letters, digits and inner dashes, as Kubernetes validates a DNS-1123 subdomain. */
    private static final Pattern SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /**
     * The addresses one name resolved to, or why it did not.
     *
     * @param name      the name looked up, as {@link #dnsName} gives it: an answer for an older name is no answer
     * @param addresses sorted, one family (IPv4 where the name has any); empty when {@code error} is set
     */
    public record Answer(String name, List<InetAddress> addresses, String error) {

        public Answer {
            addresses = List.copyOf(addresses);
        }
    }

    public ExternalNames {
        answers = Map.copyOf(answers);
    }

    public Answer get(ObjectRef service) {
        return answers.get(service);
    }

    /** The Services whose answer is not the same in both. */
    public Set<ObjectRef> changedSince(ExternalNames older) {
        Set<ObjectRef> changed = new HashSet<>();
        answers.forEach((ref, answer) -> {
            if (!answer.equals(older.answers.get(ref))) {
                changed.add(ref);
            }
        });
        older.answers.keySet().stream().filter(ref -> !answers.containsKey(ref)).forEach(changed::add);
        return changed;
    }

    /** Whether the Service is of type ExternalName. */
    public static boolean isExternalName(Service service) {
        return service != null && service.getSpec() != null && "ExternalName".equals(service.getSpec().getType());
    }

    /** Its externalName in lower case without a trailing dot, or {@code null} when it has none. */
    public static String externalName(Service service) {
        String name = lookupForm(service);
        return name == null || !name.endsWith(".") ? name : name.substring(0, name.length() - 1);
    }

    /**
     * The name to ask the DNS for, or {@code null} when there is none to ask: the Service is not of type ExternalName,
     * has no name, names an IP address (used as it is), or a name that is not a DNS name or is {@code localhost}. A
     * trailing dot is kept: such a name is fully qualified, and the search domains are not tried with it.
     */
    public static String dnsName(Service service) {
        if (!isExternalName(service)) {
            return null;
        }
        String name = externalName(service);
        return name == null || NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)
                || !validDnsName(name) || name.equals("localhost") ? null : lookupForm(service);
    }

    private static String lookupForm(Service service) {
        String name = service.getSpec().getExternalName();
        return name == null || name.isBlank() ? null : name.trim().toLowerCase(Locale.ROOT);
    }

    /** Whether {@code name} is a DNS-1123 subdomain, as Kubernetes requires of a name ingress-nginx resolves. */
    public static boolean validDnsName(String name) {
        return name.length() <= 253 && SUBDOMAIN.matcher(name).matches();
    }
}
