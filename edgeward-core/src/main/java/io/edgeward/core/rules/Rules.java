package io.edgeward.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.SeriesInfo;
import io.edgeward.core.telemetry.TelemetryReader;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of a node: saved and versioned ({@link RuleRepository}), evaluated live against
 * committed telemetry ({@link RuleEngine}) and the clock, their firings recorded and their actions
 * run ({@link ActionRunner}), their alarms kept ({@link AlarmRepository}), and replayed against
 * stored history on request.
 */
public final class Rules implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(Rules.class);
    /** How often durations are checked and states saved. */
    static final Duration TICK = Duration.ofSeconds(1);
    /** Ticks between saves of every changed state (new pairs are saved at each tick). */
    private static final int SAVE_ALL_EVERY = 10;
    /** Devices an absent rule's clock is started for at once. */
    private static final int DEVICE_PAGE = 1_000;

    private final RuleRepository repository;
    private final RuleJournal journal;
    private final AlarmRepository alarms;
    private final DeviceRepository devices;
    private final TelemetryReader telemetry;
    private final RuleSettings settings;
    private final Clock clock;
    private final Threads threads;
    private final Conditions conditions = new Conditions();
    private final RuleMetrics metrics;
    private final RuleEngine engine;
    private final ActionRunner runner;
    private final RuleReplayer replayer;
    private final List<Consumer<Alarm>> alarmListeners = new CopyOnWriteArrayList<>();
    private final Map<String, CompiledRule> compiled = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> activeAlarms = new ConcurrentHashMap<>();
    private ScheduledExecutorService ticker;
    private long ticks;
    private boolean started;

    public Rules(
            RuleRepository repository,
            RuleJournal journal,
            AlarmRepository alarms,
            DeviceRepository devices,
            ShadowService shadows,
            CommandService commands,
            TelemetryReader telemetry,
            WebhookClient webhooks,
            RuleSettings settings,
            Clock clock,
            MeterRegistry meters,
            Threads threads) {
        this.repository = repository;
        this.journal = journal;
        this.alarms = alarms;
        this.devices = devices;
        this.telemetry = telemetry;
        this.settings = settings;
        this.clock = clock;
        this.threads = threads;
        this.metrics = new RuleMetrics(meters);
        this.runner = new ActionRunner(journal, commands, shadows, webhooks, metrics, clock, threads);
        this.engine = new RuleEngine(
                journal,
                alarms,
                devices,
                shadows,
                telemetry,
                new ActionPlanner(clock, metrics),
                metrics,
                clock,
                this::alarmChanged,
                runner::submit);
        this.replayer = new RuleReplayer(telemetry, shadows);
        shadows.addListener(update -> engine.shadowChanged(update.current()));
        for (Severity severity : Severity.values()) {
            AtomicLong count = new AtomicLong();
            activeAlarms.put(severity.wireName(), count);
            Gauge.builder("edgeward.alarms.active", count, AtomicLong::get)
                    .description("Alarms not cleared, by severity")
                    .tag("severity", severity.wireName())
                    .register(meters);
        }
    }

    /**
     * Saves what the files define and changed, compiles every stored rule, evaluates what was
     * committed since the states were last saved, and starts the clock and the actions.
     */
    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        applySources();
        for (StoredRule stored : repository.list()) {
            try {
                compiled.put(stored.id(), RuleDocuments.parse(stored.document(), conditions));
            } catch (InvalidRuleException e) {
                LOG.error(
                        "Rule '{}' (version {}) is not valid and does not run: {}",
                        stored.id(),
                        stored.version(),
                        e.getMessage());
            }
        }
        engine.start(enabled());
        compiled.values().forEach(this::watchForAbsence);
        refreshAlarmCounts();
        runner.start();
        ticker = Executors.newSingleThreadScheduledExecutor(threads.platform("rules-clock"));
        ticker.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Rules: {} in force, {} enabled", compiled.size(), enabled().size());
    }

    /** The files' rules that changed since they last gave them (see {@link RuleSettings}). */
    private void applySources() {
        Map<String, String> origins = new HashMap<>();
        Map<String, Integer> saved = new LinkedHashMap<>();
        for (RuleSettings.Source source : settings.sources()) {
            CompiledRule rule;
            try {
                rule = RuleDocuments.parse(source.document(), conditions);
            } catch (InvalidRuleException e) {
                throw new IllegalArgumentException(
                        "a rule in " + source.origin() + " is not valid: " + e.getMessage(), e);
            }
            String other = origins.putIfAbsent(rule.id(), source.origin());
            if (other != null) {
                throw new IllegalArgumentException(
                        "rule '" + rule.id() + "' is defined twice: in " + other + " and in " + source.origin());
            }
            String document = RuleDocuments.render(rule.rule()).toString();
            Optional<RuleVersion> last = repository.latestBy(rule.id(), source.origin());
            if (last.isPresent() && document.equals(last.get().document())) {
                continue; // unchanged in the file: what the API did since stays
            }
            repository.save(rule.id(), document, null, source.origin(), clock.instant());
            saved.merge(source.origin(), 1, Integer::sum);
        }
        saved.forEach((origin, count) -> LOG.info("Rules: {} saved from {} (new or changed there)", count, origin));
    }

    private void tick() {
        tick(++ticks % SAVE_ALL_EVERY == 0);
    }

    private void tick(boolean saveAll) {
        try {
            engine.tick(clock.millis());
            engine.flush(saveAll);
            refreshAlarmCounts();
            if (ticks % 60 == 0) {
                journal.pruneJobs(clock.instant().minus(Duration.ofDays(1)));
            }
        } catch (RuntimeException e) {
            LOG.warn("Rules: the clock's tick failed: {}", e.toString());
        }
    }

    /** For tests with a clock of their own: what the node's clock thread does, saving every state. */
    public void tickNow() {
        tick(true);
    }

    /** The committed stage's consumer: every committed batch, with the time it was committed. */
    public void committed(List<Point> points, long committedNanos) {
        engine.accept(points);
        metrics.lag.record(System.nanoTime() - committedNanos, TimeUnit.NANOSECONDS);
    }

    public void deviceChanged(DeviceId device) {
        engine.deviceChanged(device);
    }

    public void deviceDeleted(DeviceId device) {
        engine.deviceDeleted(device);
        journal.deleteDevice(device);
    }

    /** The broker that {@code publish} actions publish on, once a transport has one (until then they fail and retry). */
    /** At an edge: where rules' {@code forward} actions send their firings (the sync link's high stream). */
    public void useForwarder(RuleForwarder forwarder) {
        runner.useForwarder(forwarder);
    }

    public void usePublisher(LocalPublisher publisher) {
        runner.usePublisher(publisher);
    }

    public void addAlarmListener(Consumer<Alarm> listener) {
        alarmListeners.add(listener);
    }

    private void alarmChanged(Alarm alarm) {
        for (Consumer<Alarm> listener : alarmListeners) {
            try {
                listener.accept(alarm);
            } catch (RuntimeException e) {
                LOG.debug("An alarm listener failed: {}", e.toString());
            }
        }
    }

    // -- Rules ----------------------------------------------------------------------------------

    public List<RuleView> list() {
        return repository.list().stream().map(this::view).toList();
    }

    /** @throws RuleNotFoundException when there is no such rule */
    public RuleView get(String id) {
        return repository.find(id).map(this::view).orElseThrow(() -> new RuleNotFoundException(id));
    }

    /** A saved rule and what its author may want to know (a metric no device reports yet). */
    public record Saved(RuleView rule, List<String> warnings) {}

    /**
     * Checks a document as saving it would, without saving.
     *
     * @throws InvalidRuleException with every problem
     */
    public List<String> validate(JsonNode document) {
        return warnings(RuleDocuments.parse(document, conditions));
    }

    /**
     * Creates a rule; in force from the next point.
     *
     * @throws InvalidRuleException with every problem of the document
     * @throws RuleConflictException when a rule with its id exists
     */
    public Saved create(JsonNode document, String author) {
        return save(RuleDocuments.parse(document, conditions), 0L, author);
    }

    /**
     * Replaces a rule (the document's id must be {@code id}, or absent).
     *
     * @param expectedVersion the version the change is based on; null to replace whatever is there
     * @throws RuleConflictException when {@code expectedVersion} is not the version in force
     */
    public Saved replace(String id, JsonNode document, Long expectedVersion, String author) {
        JsonNode withId = document;
        if (document instanceof ObjectNode object && !object.has("id")) {
            withId = object.deepCopy().put("id", id);
        }
        CompiledRule rule = RuleDocuments.parse(withId, conditions);
        if (!rule.id().equals(id)) {
            throw new InvalidRuleException(
                    List.of("id: '" + rule.id() + "' is not the rule's id '" + id + "'"), Map.of());
        }
        return save(rule, expectedVersion, author);
    }

    /**
     * Saves a rule as {@code author} unless the one in force already says the same (a document
     * pushed again makes no new version).
     *
     * @return the saved rule; empty when nothing changed
     * @throws InvalidRuleException with every problem of the document
     */
    public Optional<Saved> saveIfChanged(JsonNode document, String author) {
        CompiledRule rule = RuleDocuments.parse(document, conditions);
        String rendered = RuleDocuments.render(rule.rule()).toString();
        Optional<StoredRule> stored = repository.find(rule.id());
        if (stored.isPresent()
                && stored.get().document().equals(rendered)
                && stored.get().author().equals(author)) {
            return Optional.empty();
        }
        return Optional.of(save(rule, null, author));
    }

    /** Enables or disables a rule, as a new version. */
    public Saved setEnabled(String id, boolean enabled, String author) {
        StoredRule stored = repository.find(id).orElseThrow(() -> new RuleNotFoundException(id));
        CompiledRule rule = RuleDocuments.parse(stored.document(), conditions);
        CompiledRule changed = new CompiledRule(rule.rule().withEnabled(enabled), rule.condition(), rule.clear());
        return save(changed, stored.version(), author);
    }

    private Saved save(CompiledRule rule, Long expectedVersion, String author) {
        List<String> warnings = warnings(rule);
        StoredRule stored = repository.save(
                rule.id(), RuleDocuments.render(rule.rule()).toString(), expectedVersion, author, clock.instant());
        compiled.put(rule.id(), rule);
        engine.setRules(enabled());
        watchForAbsence(rule);
        LOG.info("Rule '{}' saved as version {} by {}", rule.id(), stored.version(), author);
        return new Saved(view(stored), warnings);
    }

    /**
     * Deletes a rule; its alarms stay, to be acknowledged and cleared by hand.
     *
     * @throws RuleNotFoundException when there is no such rule
     */
    public void delete(String id, Long expectedVersion, String author) {
        repository.delete(id, expectedVersion, author, clock.instant());
        compiled.remove(id);
        engine.setRules(enabled());
        journal.deleteRule(id);
        LOG.info("Rule '{}' deleted by {}", id, author);
    }

    public List<RuleVersion> history(String id) {
        List<RuleVersion> history = repository.history(id);
        if (history.isEmpty()) {
            throw new RuleNotFoundException(id);
        }
        return history;
    }

    /**
     * What a stored rule would have done over {@code [from, to)}: its firings and clearings, with the
     * points that caused them. Runs no action.
     */
    public Replay replay(String id, Instant from, Instant to) {
        CompiledRule rule = compiled.get(id);
        if (rule == null) {
            get(id); // not found, or stored but not valid
            throw new InvalidRuleException(
                    List.of("rule '" + id + "' is stored but not valid: fix it first"), Map.of());
        }
        return replay(rule, from, to);
    }

    /** A draft's replay: validated as saving it would, then replayed. */
    public Replay replay(JsonNode draft, Instant from, Instant to) {
        return replay(RuleDocuments.parse(draft, conditions), from, to);
    }

    private Replay replay(CompiledRule rule, Instant from, Instant to) {
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("'to' must be after 'from'");
        }
        return replayer.replay(rule, selected(rule), from.toEpochMilli(), to.toEpochMilli());
    }

    private RuleView view(StoredRule stored) {
        CompiledRule rule = compiled.get(stored.id());
        Rule parsed = rule != null ? rule.rule() : null;
        RuleView.LastError error = engine.lastError(stored.id())
                .map(e -> new RuleView.LastError(e.at(), e.device().value(), e.message()))
                .orElse(null);
        return new RuleView(stored, parsed, engine.lastFired(stored.id()).orElse(null), error);
    }

    private Map<String, CompiledRule> enabled() {
        Map<String, CompiledRule> enabled = new LinkedHashMap<>();
        compiled.forEach((id, rule) -> {
            if (rule.rule().enabled()) {
                enabled.put(id, rule);
            }
        });
        return enabled;
    }

    private void watchForAbsence(CompiledRule rule) {
        if (rule.rule().enabled() && rule.rule().absent() != null) {
            engine.watchForAbsence(rule, selected(rule));
        }
    }

    /** The devices a rule selects. */
    private List<Device> selected(CompiledRule rule) {
        List<Device> selected = new ArrayList<>();
        DeviceId after = null;
        while (true) {
            List<Device> page = devices.list(DeviceFilter.ALL, DEVICE_PAGE, after);
            for (Device device : page) {
                if (rule.rule().selector().matches(device)) {
                    selected.add(device);
                }
            }
            if (page.size() < DEVICE_PAGE) {
                return selected;
            }
            after = page.getLast().id();
        }
    }

    /** A metric that none of the selected devices has reported is probably a typo; saved all the same. */
    private List<String> warnings(CompiledRule rule) {
        List<String> warnings = new ArrayList<>();
        String metric = rule.rule().metric();
        if (metric == null) {
            return warnings;
        }
        List<Device> selected = selected(rule);
        if (selected.isEmpty()) {
            warnings.add("selector: no device is selected yet");
            return warnings;
        }
        boolean known = selected.stream()
                .limit(100)
                .anyMatch(device -> telemetry.series(device.id()).stream()
                        .map(SeriesInfo::metric)
                        .anyMatch(metric::equals));
        if (!known) {
            warnings.add("metric: no selected device has reported '" + metric + "' yet");
        }
        return warnings;
    }

    // -- Alarms ---------------------------------------------------------------------------------

    public List<Alarm> alarms(AlarmQuery query) {
        return alarms.list(query);
    }

    public Alarm alarm(String id) {
        return alarms.get(id).orElseThrow(() -> new AlarmNotFoundException(id));
    }

    public List<AlarmEvent> alarmHistory(String id) {
        alarm(id);
        return alarms.history(id);
    }

    public Alarm acknowledge(String id, String actor, String comment) {
        Alarm alarm = alarms.acknowledge(id, actor, comment, clock.instant());
        alarmChanged(alarm);
        return alarm;
    }

    public Alarm clear(String id, String actor, String comment) {
        Alarm alarm = alarms.clear(id, actor, comment, clock.instant());
        refreshAlarmCounts();
        alarmChanged(alarm);
        return alarm;
    }

    private void refreshAlarmCounts() {
        Map<Severity, Long> counts = alarms.activeCounts();
        for (Severity severity : Severity.values()) {
            activeAlarms.get(severity.wireName()).set(counts.getOrDefault(severity, 0L));
        }
    }

    /** Saves the states, stops the clock and lets running actions finish. */
    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdown();
            try {
                ticker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                engine.flush(true);
            } catch (RuntimeException e) {
                LOG.warn("Rules: the states could not be saved at shutdown: {}", e.toString());
            }
        }
        runner.close();
    }
}
