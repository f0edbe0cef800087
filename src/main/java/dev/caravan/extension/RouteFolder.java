package dev.caravan.extension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.ServiceStatus;
import org.apache.camel.StatefulService;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.component.direct.DirectEndpoint;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesBuilderLoader;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's routes folder ({@code --routes}, in a cluster a mounted ConfigMap): every {@code *.yaml},
 * {@code *.yml} and {@code *.xml} file in it is a set of Camel routes (and route configurations), loaded when it appears, replaced when it changes
 * and removed when it goes. Each file owns its routes: a route without an id gets {@code FILE-N} (its
 * file's name and place), and a file that names a route another file or Caravan itself owns is refused.
 * A file that does not load — at start or later — is reported and changes nothing: the routes of its last
 * good version, every other file's routes and Caravan's own keep running.
 *
 * <p>A file's routes are swapped under a write lock of the file's that {@link #using} waits on, so a request for a
 * route being replaced is served by the new version rather than refused in between.
 */
public final class RouteFolder {

    private static final Logger LOG = LoggerFactory.getLogger(RouteFolder.class);
    /** How long a request waits for a reload in progress before it is refused. */
    private static final long RELOAD_WAIT_SECONDS = 10;
    private static final long STOP_TIMEOUT_SECONDS = 5;
    private static final Pattern XML_COMMENTS = Pattern.compile("<!--.*?-->|<\\?.*?\\?>", Pattern.DOTALL);
    /** Why a file is refused when another file has a route id of it. */
    private static final String TAKEN = "already that of route file ";

    private final Path folder;
    /**
     * One lock per file: a swap waits for the exchanges of its own file's routes alone, and holds up only the
     * requests for those; a slow exchange of one file neither stalls another's routes nor its reloads.
     */
    private final Map<Path, ReentrantReadWriteLock> swapping = new ConcurrentHashMap<>();
    /** The file of each route loaded, by route id: which lock a request for it takes. */
    private final Map<String, Path> fileOfRoute = new ConcurrentHashMap<>();
    /** What is loaded from each file; written by the scanning thread only. */
    private final Map<Path, Loaded> loaded = new HashMap<>();
    /** The content of each file that failed to load, with why: retried only once it changes. */
    private final Map<Path, Failure> failed = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();
    private volatile boolean scanned;
    /** The ids of the routes loaded, as of the last scan: read by readiness without waiting for a scan. */
    private volatile List<String> loadedIds = List.of();
    /**
     * Open while a scan changes the folder's routes, with the ids of the routes started before it: a route moving from
     * one file to another (a file renamed, a route moved) is gone for a moment within the scan. A request finding no
     * such route then waits for the scan's end, and a compilation meanwhile takes it as there.
     */
    private volatile Transition transition;
    /** The files a scan could not load, told at its end: one refused for an id a later file of the scan let go is not. */
    private final Map<Path, Failure> untold = new HashMap<>();

    private record Transition(CountDownLatch done, Set<String> idsBefore) {
    }

    /** @param configurations the route configurations the file defines, added with its routes */
    private record Loaded(String content, List<String> routeIds, List<RouteConfigurationDefinition> configurations) {
    }

    /** A file that did not load: its content then, and the reason. */
    public record Failure(String content, String reason) {
    }

    private record Parsed(List<RouteBuilder> builders, List<String> routeIds,
            List<RouteConfigurationDefinition> configurations) {
    }

    public RouteFolder(Path folder) {
        this.folder = folder;
    }

    public Path folder() {
        return folder;
    }

    /** Whether the folder has been read once: the routes in it at start are loaded or reported. */
    public boolean scanned() {
        return scanned;
    }

    /**
     * Whether the folder has been read and every route it loaded to start has started; a route that says
     * {@code autoStartup: false} is left for an operator to start, and is none of readiness's business.
     */
    public boolean ready(CamelContext camel) {
        if (!scanned || camel == null) {
            return false;
        }
        for (String id : loadedIds) {
            Route route = camel.getRoute(id);
            if (route != null && route.isAutoStartup()
                    && camel.getRouteController().getRouteStatus(id) != ServiceStatus.Started) {
                return false;
            }
        }
        return true;
    }

    /** The files that did not load, by file name, with why. */
    public Map<String, String> failures() {
        Map<String, String> reasons = new TreeMap<>();
        failed.forEach((file, failure) -> reasons.put(file.getFileName().toString(), failure.reason()));
        return reasons;
    }

    /** The ids of the routes each file loaded, by file name. */
    public synchronized Map<String, List<String>> routes() {
        Map<String, List<String>> routes = new TreeMap<>();
        loaded.forEach((file, routesOfFile) -> routes.put(file.getFileName().toString(), routesOfFile.routeIds()));
        return routes;
    }

    /**
     * Runs {@code use} with the {@code direct:} endpoint of the started route {@code routeId}, if there is one,
     * and the processor of the route's consumer, while no swap can begin: a swap waits for the exchanges in
     * flight, and those that come meanwhile wait for it (bounded). Call it off the event loops.
     *
     * @return whether there was such a route, and {@code use} ran
     */
    public boolean using(CamelContext camel, String routeId, BiConsumer<Endpoint, Processor> use) {
        // read first: a scan that ends while this request looks is still waited for (at once)
        Transition before = transition;
        Use first = usingNow(camel, routeId, use);
        if (first != Use.NO_ROUTE) {
            return first == Use.USED;
        }
        Transition during = before != null ? before : transition;
        if (during == null || !during.idsBefore().contains(routeId)) {
            return false;
        }
        // a route moving between files: back at the scan's end
        try {
            if (!during.done().await(RELOAD_WAIT_SECONDS, TimeUnit.SECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return usingNow(camel, routeId, use) == Use.USED;
    }

    private enum Use { USED, NO_ROUTE, TIMED_OUT }

    private Use usingNow(CamelContext camel, String routeId, BiConsumer<Endpoint, Processor> use) {
        ReentrantReadWriteLock lock = lockOf(routeId);
        if (lock == null) {
            // no file of the folder has it (yet): nothing to wait for
            return use(camel, routeId, use) ? Use.USED : Use.NO_ROUTE;
        }
        try {
            if (!lock.readLock().tryLock(RELOAD_WAIT_SECONDS, TimeUnit.SECONDS)) {
                return Use.TIMED_OUT;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Use.TIMED_OUT;
        }
        try {
            return use(camel, routeId, use) ? Use.USED : Use.NO_ROUTE;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The swap lock of the file a route is loaded from, or {@code null} for a route no file has. */
    private ReentrantReadWriteLock lockOf(String routeId) {
        Path file = fileOfRoute.get(routeId);
        return file == null ? null : swapping.get(file);
    }

    private static boolean use(CamelContext camel, String routeId, BiConsumer<Endpoint, Processor> use) {
        Route route = startedDirect(camel, routeId);
        if (route == null) {
            return false;
        }
        use.accept(route.getEndpoint(), route.getConsumer().getProcessor());
        return true;
    }

    /**
     * Whether the started route {@code routeId} consumes a {@code direct:} endpoint, without waiting: while its file
     * is being swapped, yes (the compilation that follows each change of the folder tells again).
     */
    public boolean hasDirect(CamelContext camel, String routeId) {
        ReentrantReadWriteLock lock = lockOf(routeId);
        Transition during = transition;
        return lock != null && lock.isWriteLocked() || during != null && during.idsBefore().contains(routeId)
                || startedDirect(camel, routeId) != null;
    }

    /**
     * The folder's routes an operator has suspended (or stopped): Camel tells no event of a suspension, so this is read
     * again every scan, for the Ingresses naming them to be told. A consumer a route policy suspends (a circuit breaker,
     * a throttle) is left out: it may come and go every second, and its route is still there.
     */
    public Set<String> notTakingRequests(CamelContext camel) {
        Set<String> idle = new TreeSet<>();
        for (String routeId : fileOfRoute.keySet()) {
            ServiceStatus status = camel.getRouteController().getRouteStatus(routeId);
            if (status != null && status != ServiceStatus.Started && status != ServiceStatus.Starting) {
                idle.add(routeId);
            }
        }
        return idle;
    }

    /**
     * The route if it is started, consumes a {@code direct:} endpoint and its consumer takes exchanges (a
     * route policy, such as a circuit breaker, may have suspended the consumer alone), else {@code null}. A route
     * whose consumer started is still Starting when Camel tells that it started: the compilation that event asks
     * for must find it there.
     */
    private static Route startedDirect(CamelContext camel, String routeId) {
        Route route = camel.getRoute(routeId);
        ServiceStatus status = route == null ? null : camel.getRouteController().getRouteStatus(routeId);
        return route != null && route.getEndpoint() instanceof DirectEndpoint
                && (status == ServiceStatus.Started || status == ServiceStatus.Starting)
                && route.getConsumer() instanceof StatefulService consumer && consumer.isStarted() ? route : null;
    }

    /**
     * Loads what is new or changed in the folder and removes the routes of files that went.
     *
     * @return whether routes may have come or gone: the first scan, or one that found a change
     */
    public synchronized boolean scan(CamelContext camel) {
        boolean first = !scanned;
        Map<Path, String> present = read();
        if (!changes(present)) {
            scanned = true;
            return first;
        }
        Set<String> started = new HashSet<>();
        for (String id : loadedIds) {
            if (startedDirect(camel, id) != null) {
                started.add(id);
            }
        }
        Transition during = new Transition(new CountDownLatch(1), Set.copyOf(started));
        transition = during;
        try {
            apply(camel, present);
        } finally {
            transition = null;
            during.done().countDown();
        }
        untold.forEach((file, failure) -> {
            if (failure.equals(failed.get(file))) {
                Loaded running = loaded.get(file);
                LOG.error("Route file {} not loaded: {}. {}", file.getFileName(), failure.reason(), running == null
                        ? "It has no routes running." : "Its previous routes " + running.routeIds() + " keep running.");
            }
        });
        untold.clear();
        scanned = true;
        return true;
    }

    /** Whether the folder differs from what was loaded or refused: a file gone, new, changed, or an edit undone. */
    private boolean changes(Map<Path, String> present) {
        if (!present.keySet().containsAll(loaded.keySet()) || !present.keySet().containsAll(failed.keySet())) {
            return true;
        }
        for (Map.Entry<Path, String> file : present.entrySet()) {
            Loaded current = loaded.get(file.getKey());
            Failure failure = failed.get(file.getKey());
            boolean known = current != null && current.content().equals(file.getValue()) && failure == null
                    || failure != null && failure.content().equals(file.getValue());
            if (!known) {
                return true;
            }
        }
        return false;
    }

    private void apply(CamelContext camel, Map<Path, String> present) {
        Set<Path> attempted = new HashSet<>();
        for (Path gone : new ArrayList<>(loaded.keySet())) {
            if (!present.containsKey(gone)) {
                try {
                    swap(camel, gone, null, null);
                } catch (RoutesInUse busy) {
                    LOG.warn("Route file {} removed, but its routes are in use: removed at a later scan",
                            gone.getFileName());
                    continue;
                }
                attempted.add(gone);
                LOG.info("Route file {} removed: its routes are removed", gone.getFileName());
            }
        }
        failed.keySet().retainAll(present.keySet());
        for (Path back : new ArrayList<>(failed.keySet())) {
            Loaded running = loaded.get(back);
            if (running != null && running.content().equals(present.get(back))) {
                // the edit that failed was undone: what runs is what the file says
                failed.remove(back);
                LOG.info("Route file {} is back to the version running", back.getFileName());
            }
        }
        for (Map.Entry<Path, String> file : present.entrySet()) {
            Loaded current = loaded.get(file.getKey());
            Failure failure = failed.get(file.getKey());
            if ((current == null || !current.content().equals(file.getValue()))
                    && (failure == null || !failure.content().equals(file.getValue()))) {
                load(camel, file.getKey(), file.getValue());
                attempted.add(file.getKey());
            }
        }
        if (!attempted.isEmpty()) {
            // a file refused for a route id another file held may load now that the other changed
            for (Path retry : new ArrayList<>(failed.keySet())) {
                if (!attempted.contains(retry)) {
                    load(camel, retry, present.get(retry));
                }
            }
            // and one refused in this pass for an id a file read after it let go of (a route moved from b.yaml to
            // a.yaml): tried again while that frees ids
            boolean freed = true;
            while (freed) {
                freed = false;
                for (Path retry : new ArrayList<>(failed.keySet())) {
                    Failure failure = failed.get(retry);
                    if (failure != null && failure.reason().contains(TAKEN)) {
                        load(camel, retry, present.get(retry));
                        freed |= !failed.containsKey(retry);
                    }
                }
            }
        }
        loadedIds = loaded.values().stream().flatMap(file -> file.routeIds().stream()).toList();
    }

    /** The route files and their content; a file that cannot be read now is read at the next scan. */
    private Map<Path, String> read() {
        Map<Path, String> files = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return files;
        }
        // a ConfigMap volume holds its files behind links, next to hidden ..data folders
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, "[!.]*.{yaml,yml,xml}")) {
            for (Path file : entries) {
                if (Files.isRegularFile(file)) {
                    files.put(file, Files.readString(file, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot read the routes folder {}: {}", folder, e.toString());
            files.clear();
            files.putAll(lastKnown());
        }
        return files;
    }

    private Map<Path, String> lastKnown() {
        Map<Path, String> known = new HashMap<>();
        loaded.forEach((file, routes) -> known.put(file, routes.content()));
        return known;
    }

    private void load(CamelContext camel, Path file, String content) {
        Loaded previous = loaded.get(file);
        Parsed parsed;
        try {
            parsed = parse(camel, file, content);
        } catch (Exception e) {
            fail(file, content, describe(e));
            return;
        }
        try {
            swap(camel, file, parsed, content);
            failed.remove(file);
            LOG.info("Route file {} {}: routes {}", file.getFileName(), previous == null ? "loaded" : "reloaded",
                    parsed.routeIds());
            if (parsed.routeIds().isEmpty() && parsed.configurations().isEmpty() && !saysNothing(file, content)) {
                // Camel's YAML loader takes other documents (a Kubernetes manifest) as no routes, silently
                LOG.warn("Route file {} holds no Camel routes: a Kubernetes manifest belongs in the --manifests folder"
                        + " or the cluster, not in --routes", file.getFileName());
            }
        } catch (RoutesInUse busy) {
            // the previous routes go on, with the configurations they were made with
            removeConfigurations(camel, parsed.configurations());
            addConfigurations(camel, previous == null ? List.of() : previous.configurations());
            // not tried every second: requests wait while a swap waits; a change of any file tries again
            fail(file, content, "requests held the routes for over " + RELOAD_WAIT_SECONDS
                    + " s (an exchange that does not end?); a change to any file of the folder tries again");
        } catch (Exception e) {
            // the new version did not start (swap removed it again): back to the last good one, which did
            String reason = describe(e);
            if (previous != null) {
                try {
                    swap(camel, file, parse(camel, file, previous.content()), previous.content());
                } catch (Exception again) {
                    LOG.error("Route file {}: its last good version did not start again either: {}",
                            file.getFileName(), describe(again));
                }
            }
            fail(file, content, reason);
        }
    }

    /** Notes a file as not loaded; told at the scan's end, if it still is not then. */
    private void fail(Path file, String content, String reason) {
        Failure failure = new Failure(content, reason);
        failed.put(file, failure);
        untold.put(file, failure);
    }

    /** Whether a file says it has no routes: empty, all comments, or an empty YAML list. */
    private static boolean saysNothing(Path file, String content) {
        String meaningful = withoutComments(file, content);
        return meaningful.isEmpty() || meaningful.equals("[]");
    }

    /** A file's lines but its comments and blank ones, stripped and joined. */
    private static String withoutComments(Path file, String content) {
        boolean xml = file.getFileName().toString().endsWith(".xml");
        String text = xml ? XML_COMMENTS.matcher(content).replaceAll("") : content;
        return text.lines().map(String::strip).filter(line -> !line.isEmpty() && (xml || !line.startsWith("#")))
                .collect(java.util.stream.Collectors.joining());
    }

    /** Reads a file's routes without adding them, giving routes without an id their file's; checks ownership. */
    private Parsed parse(CamelContext camel, Path file, String content) throws Exception {
        Loaded previous = loaded.get(file);
        List<RouteConfigurationDefinition> previousConfigurations = previous == null ? List.of()
                : previous.configurations();
        // by the file's kind: .yml is YAML too, which Camel's loaders know only as .yaml
        String kind = file.getFileName().toString().endsWith(".xml") ? "xml" : "yaml";
        boolean xml = kind.equals("xml");
        if (withoutComments(file, content).isEmpty()) {
            // emptied, or all of it commented out: no routes, as a file with [] has
            return new Parsed(List.of(), List.of(), List.of());
        }
        if (xml) {
            // Camel's XML loader keeps what it read of a file that is no XML under the file's name, and answers
            // with it for every later version: refused here first, with the parser's own words
            XmlDocuments.requireWellFormed(content);
        }
        // each XML version under a name of its own: the loader's caches by name outlive a version that failed
        Resource resource = ResourceHelper.fromString("file:" + file.toAbsolutePath()
                + (xml ? "#" + versions.incrementAndGet() : ""), content);
        RoutesBuilderLoader loader = PluginHelper.getRoutesLoader(camel).getRoutesLoader(kind);
        // what Camel's own loading does first: the XML loader reads a <camel> root's configurations there
        loader.preParseRoute(resource);
        RoutesBuilder loadedBuilder = loader.loadRoutesBuilder(resource);
        if (loadedBuilder == null) {
            throw new IllegalArgumentException("holds no Camel routes");
        }
        Collection<RoutesBuilder> found = List.of(loadedBuilder);
        String stem = stem(file);
        List<RouteBuilder> builders = new ArrayList<>();
        List<RouteConfigurationDefinition> configurations = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        try {
            int position = 0;
            for (RoutesBuilder builder : found) {
                if (!(builder instanceof RouteBuilder routeBuilder)) {
                    throw new IllegalArgumentException("holds " + builder.getClass().getSimpleName() + ", not routes");
                }
                if (routeBuilder instanceof RouteConfigurationBuilder withConfigurations) {
                    // in the context before the routes are configured: a route takes the configurations it names
                    // when it is prepared, then. The file's previous ones make way (its running routes keep what
                    // they were made with), so that a configuration keeps its id from one version to the next
                    removeConfigurations(camel, previousConfigurations);
                    try {
                        withConfigurations.addRouteConfigurationsToCamelContext(camel);
                    } finally {
                        configurations.addAll(withConfigurations.getRouteConfigurationCollection()
                                .getRouteConfigurations());
                    }
                    for (RouteConfigurationDefinition configuration : configurations) {
                        if (configuration.getId() == null) {
                            // one without an id applies to every route, other files' included, and cannot be told
                            // apart to be replaced or removed with its file
                            throw new IllegalArgumentException("a routeConfiguration needs an id in a route file");
                        }
                    }
                }
                routeBuilder.configureRoutes(camel);
                for (RouteDefinition route : routeBuilder.getRouteCollection().getRoutes()) {
                    position++;
                    if (!route.hasCustomIdAssigned()) {
                        route.setId(stem + "-" + position);
                    }
                    String id = route.getId();
                    if (!ids.add(id)) {
                        throw new IllegalArgumentException("route id " + id + " is used twice in the file");
                    }
                    String owner = ownerOf(camel, id, file);
                    if (owner != null) {
                        throw new IllegalArgumentException("route id " + id + " is " + owner);
                    }
                }
                builders.add(routeBuilder);
            }
        } catch (Exception e) {
            // a file that is refused defines nothing, its route configurations included; its previous ones are back
            removeConfigurations(camel, configurations);
            addConfigurations(camel, previousConfigurations);
            throw e;
        }
        return new Parsed(builders, List.copyOf(ids), List.copyOf(configurations));
    }

    /** Who else has route {@code id}, or {@code null} when it is free for {@code file}. */
    private String ownerOf(CamelContext camel, String id, Path file) {
        for (Map.Entry<Path, Loaded> other : loaded.entrySet()) {
            if (other.getValue().routeIds().contains(id)) {
                return other.getKey().equals(file) ? null : TAKEN + other.getKey().getFileName();
            }
        }
        return camel.getRoute(id) != null ? "one of Caravan's own routes" : null;
    }

    /**
     * Replaces the routes of {@code file} with {@code parsed} (none: removes them), under the write lock.
     *
     * @throws IllegalStateException when a new route does not start; the file then has no routes until the
     *                               caller puts some back
     */
    private void swap(CamelContext camel, Path file, Parsed parsed, String content) {
        // bounded: an exchange that never ends must not stop the file's routes behind a waiting swap for long
        ReentrantReadWriteLock lock = swapping.computeIfAbsent(file, f -> new ReentrantReadWriteLock());
        try {
            if (!lock.writeLock().tryLock(RELOAD_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new RoutesInUse();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoutesInUse();
        }
        try {
            Loaded previous = loaded.remove(file);
            if (previous != null) {
                // the ids stay the file's while it is swapped: a request for one waits for the new version
                remove(camel, previous.routeIds());
                // (parsing the new version took the previous configurations out already)
                removeConfigurations(camel, previous.configurations());
            }
            if (parsed == null) {
                if (previous != null) {
                    previous.routeIds().forEach(id -> fileOfRoute.remove(id, file));
                }
                return;
            }
            List<String> added = new ArrayList<>();
            List<RouteConfigurationDefinition> configurations = new ArrayList<>();
            try {
                configurations.addAll(parsed.configurations());
                for (RouteBuilder builder : parsed.builders()) {
                    builder.addRoutesToCamelContext(camel);
                }
                added.addAll(parsed.routeIds());
            } catch (Exception e) {
                remove(camel, parsed.routeIds());
                removeConfigurations(camel, configurations);
                throw new IllegalStateException(describe(e), e);
            }
            loaded.put(file, new Loaded(content, added, configurations));
            added.forEach(id -> fileOfRoute.put(id, file));
            if (previous != null) {
                previous.routeIds().stream().filter(id -> !added.contains(id))
                        .forEach(id -> fileOfRoute.remove(id, file));
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A swap that could not begin: requests held the routes for longer than a request may wait. */
    private static final class RoutesInUse extends RuntimeException {

        RoutesInUse() {
            super("routes in use", null, false, false);
        }
    }

    private static void remove(CamelContext camel, Collection<String> routeIds) {
        ModelCamelContext model = (ModelCamelContext) camel;
        Set<String> seen = new HashSet<>();
        for (String id : routeIds) {
            if (!seen.add(id)) {
                continue;
            }
            try {
                if (camel.getRoute(id) != null) {
                    camel.getRouteController().stopRoute(id, STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    // removed here, once stopped within our time: the model's removal would stop it again, waiting
                    // as long as Camel's shutdown does for an exchange the stop left behind (a delay's)
                    camel.removeRoute(id);
                }
                RouteDefinition definition = model.getRouteDefinition(id);
                if (definition != null) {
                    model.removeRouteDefinition(definition);
                }
            } catch (Exception e) {
                LOG.warn("Route {} could not be removed: {}", id, describe(e));
            }
        }
    }

    /**
     * Takes these very configurations out of the model. Not by Camel's removeRouteConfiguration: it finds them by id,
     * giving every configuration without one an id on the way, which stops those applying to routes made later.
     */
    private static void removeConfigurations(CamelContext camel, List<RouteConfigurationDefinition> configurations) {
        if (configurations.isEmpty()) {
            return;
        }
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        synchronized (model) {
            model.getRouteConfigurationDefinitions().removeIf(live -> configurations.stream()
                    .anyMatch(configuration -> configuration == live));
        }
    }

    /** Puts configurations taken out back, those whose id no other took meanwhile. */
    private static void addConfigurations(CamelContext camel, List<RouteConfigurationDefinition> configurations) {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        for (RouteConfigurationDefinition configuration : configurations) {
            try {
                model.addRouteConfiguration(configuration);
            } catch (IllegalArgumentException clash) {
                LOG.warn("Route configuration {} could not be put back: {}", configuration.getId(), describe(clash));
            }
        }
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The innermost cause's message: what went wrong, without the layers of wrapping around it. */
    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.lines().limit(3).reduce((a, b) -> a + " " + b.trim()).orElse(message);
    }
}
