package dev.caravan.cli;

import dev.caravan.compile.ControllerSettings;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingress-nginx's controller ConfigMap ({@code --configmap}) as it changes. The keys that stand for annotations of
 * every Ingress ({@code ssl-redirect}, {@code whitelist-source-range}, {@code proxy-body-size}, the pods' timeouts, the
 * {@code global-auth-*} keys, ...) are compiled into the routing table, and a change to them is served from the next
 * compilation, with no restart and no connection dropped, as ingress-nginx applied a change. The other keys (ports,
 * TLS, the clients' timeouts, the pods' pooled connections, the log) were made into the running listeners at start:
 * a change to them is told, and takes a restart. A ConfigMap that cannot be read whole (a source range that is no
 * range) leaves the settings in force as they are, and says so; so does one deleted, as ingress-nginx keeps them.
 */
public final class LiveConfigMap implements Function<ClusterState, ControllerSettings> {

    private static final Logger LOG = LoggerFactory.getLogger(LiveConfigMap.class);

    /** The options a change to the ConfigMap applies at once: what the compiler alone reads. */
    static final Set<Option> LIVE;

    /**
     * The live options a value that cannot be used leaves as in force: the defaults of every Ingress's annotations and
     * its body size and timeouts. Not those that widen who gets in when kept (cross-namespace Secrets, the paths without
     * auth, the response headers allowed, global auth's): those go back to their flags', as at start.
     */
    static final Set<Option> KEPT_ON_TYPO;

    static {
        Set<Option> live = EnumSet.of(Option.NO_AUTH_LOCATIONS, Option.ALLOW_CROSS_NAMESPACE_RESOURCES,
                Option.GLOBAL_ALLOWED_RESPONSE_HEADERS);
        Set<Option> kept = EnumSet.copyOf(CaravanOptions.INGRESS_DEFAULTS);
        for (Option option : Option.values()) {
            if (option.type() == Option.Type.GLOBAL_AUTH) {
                live.add(option);
            } else if (option.type() == Option.Type.ANNOTATION_DEFAULT) {
                kept.add(option);
            }
        }
        live.addAll(kept);
        LIVE = Set.copyOf(live);
        KEPT_ON_TYPO = Set.copyOf(kept);
    }

    private final ObjectRef ref;
    private final CaravanOptions started;
    /** The data last read, or {@code null} when there was none at start. */
    private Map<String, String> read;
    /** The options in force: {@link #started}'s, with the live ones of the ConfigMap as last applied. */
    private CaravanOptions inForce;
    private volatile ControllerSettings settings;
    /** The keys told to take a restart, so that each version says only what it changed. */
    private Set<Option> toldRestart = Set.of();
    /** Whether the state had it once: one out of the namespaces watched is never there, and no news. */
    private boolean seen;
    /** Whether its deletion was told: once, until it comes back. */
    private boolean deletionTold;
    /** What was told of its keys as last read, so that each version says only what is new. */
    private Set<String> toldSentences;

    /** @param started the options Caravan started with, its ConfigMap's keys read into them */
    public LiveConfigMap(CaravanOptions started) {
        this.ref = started.configMap();
        this.started = started;
        Map<String, String> readAtStart = started.configMapRead();
        this.read = readAtStart;
        this.inForce = started;
        this.settings = started.controllerSettings();
        Map<String, Boolean> atStart = new LinkedHashMap<>();
        if (readAtStart != null) {
            try {
                readFromFlags(readAtStart, atStart);
            } catch (UsageException e) {
                // it was read at start: it can be read again
            }
        }
        this.toldSentences = atStart.keySet();
    }

    /**
     * {@code data} read into the flags, as at start: a key taken out goes back to its flag's value.
     *
     * @param sentences where what came of each key is put, true for a warning
     */
    private CaravanOptions readFromFlags(Map<String, String> data, Map<String, Boolean> sentences)
            throws UsageException {
        return started.flagsAlone().withIngressNginxConfigMap(data, (warn, sentence) -> sentences.put(sentence, warn));
    }

    /** The settings in force. */
    public ControllerSettings current() {
        return settings;
    }

    /**
     * The settings for this state: changed, from scratch, when its ConfigMap changed a key the compiler reads. Called
     * by the compiler alone, with states in the order they were stored; others read {@link #current()}.
     */
    @Override
    public synchronized ControllerSettings apply(ClusterState state) {
        ConfigMap now = state.get(ResourceKind.CONFIG_MAP, ref);
        seen |= now != null;
        if (!seen) {
            return settings;
        }
        if (now == null) {
            // as ingress-nginx, which has no handler for its deletion: what keeps clients out (source ranges, global
            // auth) must not go with a ConfigMap deleted by mistake, or out of the namespaces watched
            if (!deletionTold) {
                deletionTold = true;
                LOG.warn("ConfigMap {} (--configmap) deleted: the settings in force stay, as ingress-nginx keeps them;"
                        + " a restart starts with the flags alone", ref);
            }
            return settings;
        }
        deletionTold = false;
        Map<String, String> data = now.getData() == null ? Map.of() : now.getData();
        if (data.equals(read)) {
            return settings;
        }
        read = data;
        // what came of each key, a warning or not
        Map<String, Boolean> sentences = new LinkedHashMap<>();
        CaravanOptions asRead;
        try {
            asRead = readFromFlags(data, sentences);
        } catch (UsageException e) {
            LOG.warn("Not applied: {}; the settings in force stay until it is fixed, and Caravan would not start with"
                    + " it", e.getMessage());
            return settings;
        }
        // a live key whose new value cannot be used keeps the value in force, as ingress-nginx keeps its configuration
        // when nginx refuses the new one, rather than fall back to the default (a body size of 1m for a typo of 8m)
        Set<Option> kept = EnumSet.noneOf(Option.class);
        for (IngressNginxConfigMap.Setting setting : IngressNginxConfigMap.translate(data)) {
            Option option = setting.option();
            if (setting.verdict() == IngressNginxConfigMap.Verdict.INVALID && option != null
                    && KEPT_ON_TYPO.contains(option)
                    && !Objects.equals(inForce.value(option), asRead.value(option))) {
                kept.add(option);
                sentences.put("ConfigMap " + ref + ": " + setting.key() + " is kept as in force until a restart,"
                        + " which leaves it out: --" + option.flag() + "=" + shown(inForce.value(option)), false);
            }
        }
        // each of its keys that cannot be used, is not Caravan's or is left for a flag, said once while it stays
        sentences.forEach((sentence, warn) -> {
            if (!toldSentences.contains(sentence) && (warn || sentence.contains(" is left: ")
                    || sentence.contains(" is kept as in force "))) {
                if (warn) {
                    LOG.warn("{}", sentence);
                } else {
                    LOG.info("{}", sentence);
                }
            }
        });
        toldSentences = Set.copyOf(sentences.keySet());
        CaravanOptions next = started.withValuesOf(asRead, LIVE).withValuesOf(inForce, kept);
        Set<Option> applied = inForce.differing(next);
        applied.retainAll(LIVE);
        if (!applied.isEmpty()) {
            inForce = next;
            settings = next.controllerSettings();
            boolean partly = applied.stream().anyMatch(CaravanOptions.INGRESS_DEFAULTS::contains);
            LOG.info("ConfigMap {} (--configmap) changed: {} in force from the next compilation{}", ref,
                    describe(applied, next), partly ? " (for the Ingresses' paths; the default backend keeps the body"
                            + " size and pod timeouts read at start)" : "");
        }
        Set<Option> restart = started.differing(asRead);
        restart.removeAll(LIVE);
        restart.remove(Option.CONFIGMAP);
        if (!restart.equals(toldRestart)) {
            if (restart.isEmpty()) {
                LOG.info("ConfigMap {} (--configmap): its keys read at start are back to what they were", ref);
            } else {
                LOG.warn("ConfigMap {} (--configmap) changed: {} {} read at start, and take{} a restart to change"
                        + " (kubectl rollout restart)", ref, flags(restart), restart.size() == 1 ? "is" : "are",
                        restart.size() == 1 ? "s" : "");
            }
            toldRestart = restart;
        }
        return settings;
    }

    private static String describe(Set<Option> options, CaravanOptions values) {
        return options.stream().map(option -> "--" + option.flag() + "=" + shown(values.value(option)))
                .collect(Collectors.joining(", "));
    }

    /** A flag's value, or that it has none: an allow-list or global auth turned off must read so. */
    private static String shown(String value) {
        return value == null ? "(not set)" : value;
    }

    /** The flags, each with the ConfigMap keys it is read from where they are named otherwise. */
    private static String flags(Set<Option> options) {
        Set<String> names = new LinkedHashSet<>();
        for (Option option : options) {
            List<String> keys = IngressNginxConfigMap.keysOf(option).stream().filter(key -> !key.equals(option.flag()))
                    .toList();
            names.add("--" + option.flag() + (keys.isEmpty() ? "" : " (" + String.join(", ", keys) + ")"));
        }
        return String.join(", ", names);
    }
}
