package io.edgeward.core.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TimeRange;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live evaluation: every committed point against the enabled rules that select its device, in
 * commit order per device, on the committed stage's {@code rules} thread; the clock's ticks for
 * the durations that run out with no point. Each firing and clearing is recorded ({@link
 * RuleJournal#record}) before its actions run; the states move in memory and are saved every few
 * seconds ({@link #flush}), so after a crash the points stored since the last save are evaluated
 * again from the store, and a firing evaluated twice has the same id and is recorded once.
 *
 * <p>One lock guards the states: points, ticks and rule changes take turns. Nothing slow runs
 * under it but the store's writes of firings and of the flush; actions run elsewhere.
 */
final class RuleEngine {

    private static final Logger LOG = LoggerFactory.getLogger(RuleEngine.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Devices read from the registry at once when preparing the contexts. */
    private static final int DEVICE_PAGE = 1_000;
    /** Points read back per series when catching up after a restart. */
    private static final int CATCH_UP_LIMIT = 100_000;

    private final RuleJournal journal;
    private final AlarmRepository alarms;
    private final DeviceRepository devices;
    private final ShadowService shadows;
    private final TelemetryReader telemetry;
    private final ActionPlanner planner;
    private final RuleMetrics metrics;
    private final Clock clock;
    private final Consumer<Alarm> alarmChanged;
    private final Consumer<List<ActionJob>> actionsRecorded;
    private final RateLimitedLog warnings = RateLimitedLog.perMinute();

    private final ReentrantLock lock = new ReentrantLock();
    private Map<String, CompiledRule> rules = Map.of();
    private RuleIndex index = RuleIndex.EMPTY;
    private final Map<RulePair, RuleState> states = new HashMap<>();
    private final Map<DeviceId, DeviceContext> contexts = new HashMap<>();
    /** Devices without a context whose record changed: their first point reads what their rules need from the store. */
    private final Set<DeviceId> changedWithoutContext = new HashSet<>();
    /** Set by other threads (a shadow update); read when a condition needs the shadow. */
    private final Map<DeviceId, Shadow> shadowCache = new ConcurrentHashMap<>();
    /** The last evaluation error of each rule, for the API. */
    private final Map<String, RuleError> lastErrors = new ConcurrentHashMap<>();

    private final Map<String, Instant> lastFired = new ConcurrentHashMap<>();

    /** A rule's last failure to evaluate. */
    record RuleError(Instant at, DeviceId device, String message) {}

    RuleEngine(
            RuleJournal journal,
            AlarmRepository alarms,
            DeviceRepository devices,
            ShadowService shadows,
            TelemetryReader telemetry,
            ActionPlanner planner,
            RuleMetrics metrics,
            Clock clock,
            Consumer<Alarm> alarmChanged,
            Consumer<List<ActionJob>> actionsRecorded) {
        this.journal = journal;
        this.alarms = alarms;
        this.devices = devices;
        this.shadows = shadows;
        this.telemetry = telemetry;
        this.planner = planner;
        this.metrics = metrics;
        this.clock = clock;
        this.alarmChanged = alarmChanged;
        this.actionsRecorded = actionsRecorded;
    }

    /**
     * Loads the saved states and evaluates what was committed after them (a restart after a
     * crash), then the durations that ran out meanwhile.
     */
    void start(Map<String, CompiledRule> enabled) {
        lock.lock();
        try {
            rules = Map.copyOf(enabled);
            index = new RuleIndex(rules.values());
            prepareContexts();
            journal.states().forEach((pair, document) -> {
                if (rules.containsKey(pair.ruleId())) {
                    states.put(pair, RuleState.of(read(document)));
                }
            });
            catchUp();
            tick(clock.millis());
        } finally {
            lock.unlock();
        }
    }

    /** Replaces the rules in force; the states of those that stay are kept. */
    void setRules(Map<String, CompiledRule> enabled) {
        lock.lock();
        try {
            Set<String> added = new HashSet<>(enabled.keySet());
            added.removeAll(rules.keySet());
            rules = Map.copyOf(enabled);
            index = new RuleIndex(rules.values());
            states.keySet().removeIf(pair -> !rules.containsKey(pair.ruleId()));
            prepareContexts();
            long now = clock.millis();
            // A rule enabled again does not evaluate what came while it was off: it starts from now.
            for (Map.Entry<RulePair, RuleState> entry : states.entrySet()) {
                if (added.contains(entry.getKey().ruleId())) {
                    entry.getValue().evaluatedUpTo = Math.max(entry.getValue().evaluatedUpTo, now);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** A device changed (tags, type) or was deleted: what selects it is found again at its next point. */
    void deviceChanged(DeviceId device) {
        lock.lock();
        try {
            DeviceContext context = contexts.get(device);
            if (context != null) {
                context.stale = true;
            } else {
                // Known from before, selected by no rule then: its record may now match one (a tag).
                changedWithoutContext.add(device);
            }
        } finally {
            lock.unlock();
        }
    }

    void deviceDeleted(DeviceId device) {
        lock.lock();
        try {
            contexts.remove(device);
            changedWithoutContext.remove(device);
            states.keySet().removeIf(pair -> pair.device().equals(device));
            shadowCache.remove(device);
        } finally {
            lock.unlock();
        }
    }

    void shadowChanged(Shadow shadow) {
        shadowCache.put(shadow.device(), shadow);
    }

    /** A committed batch, in commit order. */
    void accept(List<Point> points) {
        lock.lock();
        try {
            List<Transition> out = new ArrayList<>(2);
            for (Point point : points) {
                evaluate(point, out);
            }
        } finally {
            lock.unlock();
        }
    }

    private void evaluate(Point point, List<Transition> out) {
        DeviceContext context = context(point.device());
        if (context == null) {
            return;
        }
        context.observe(point);
        PointContext variables = null;
        for (CompiledRule rule : context.rules) {
            String metric = rule.rule().metric();
            if (metric != null && !metric.equals(point.metric())) {
                continue;
            }
            RulePair pair = new RulePair(rule.id(), point.device());
            RuleState state = states.computeIfAbsent(pair, p -> new RuleState());
            if (point.timestamp() <= state.evaluatedUpTo) {
                metrics.late.increment();
                continue;
            }
            if (variables == null) {
                variables = new PointContext(context, point, context.usesShadow ? shadow(point.device()) : null);
            }
            metrics.evaluated.increment();
            out.clear();
            try {
                Evaluator.onPoint(rule, state, point.device(), point, variables, out);
            } catch (ConditionException e) {
                metrics.error(rule.id());
                lastErrors.put(rule.id(), new RuleError(clock.instant(), point.device(), e.getMessage()));
                if (warnings.allow("error:" + rule.id())) {
                    LOG.warn(
                            "Rule '{}' failed to evaluate for device {}: {}",
                            rule.id(),
                            point.device(),
                            e.getMessage());
                }
            }
            for (Transition transition : out) {
                record(rule, pair, state, transition, variables);
            }
        }
    }

    /** The durations that ran out by {@code now} with no point to break them. */
    void tick(long now) {
        lock.lock();
        try {
            List<Map.Entry<RulePair, RuleState>> pairs = new ArrayList<>(states.entrySet());
            for (Map.Entry<RulePair, RuleState> entry : pairs) {
                CompiledRule rule = rules.get(entry.getKey().ruleId());
                if (rule == null) {
                    continue;
                }
                Transition due =
                        Evaluator.onTime(rule, entry.getValue(), entry.getKey().device(), now);
                if (due != null) {
                    DeviceContext context = context(entry.getKey().device());
                    record(
                            rule,
                            entry.getKey(),
                            entry.getValue(),
                            due,
                            context == null ? null : new PointContext(context, null, null));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts the clock of an {@code absent} rule for every device it selects that has no state
     * yet: from the device's newest point of the metric, or from now if it has none.
     */
    void watchForAbsence(CompiledRule rule, List<Device> selected) {
        lock.lock();
        try {
            long now = clock.millis();
            for (Device device : selected) {
                RulePair pair = new RulePair(rule.id(), device.id());
                if (states.containsKey(pair)) {
                    continue;
                }
                RuleState state = new RuleState();
                state.lastSeen = telemetry.latest(device.id()).stream()
                        .filter(p -> rule.rule().metric() == null
                                || p.metric().equals(rule.rule().metric()))
                        .mapToLong(Point::timestamp)
                        .max()
                        .orElse(now);
                state.evaluatedUpTo = state.lastSeen;
                state.dirty = true;
                states.put(pair, state);
            }
        } finally {
            lock.unlock();
        }
    }

    private void record(
            CompiledRule rule, RulePair pair, RuleState state, Transition transition, PointContext variables) {
        Map<String, Object> template = planner.templateContext(rule, transition, variables);
        Firing firing = new Firing(
                pair,
                write(state.snapshot()),
                transition,
                planner.alarmChange(rule, transition, template),
                planner.jobs(rule, transition, template),
                clock.instant());
        try {
            RuleJournal.Recorded recorded = journal.record(firing);
            Optional<Alarm> alarm = recorded.alarm();
            state.dirty = false;
            state.saved = true;
            if (transition.kind() == Transition.Kind.FIRED) {
                metrics.triggered(rule.id());
                lastFired.put(rule.id(), Instant.ofEpochMilli(transition.at()));
            }
            // The actions first: what the rule does matters more than who hears of it.
            if (!recorded.newJobs().isEmpty()) {
                actionsRecorded.accept(recorded.newJobs());
            }
            alarm.ifPresent(alarmChanged);
        } catch (RuntimeException e) {
            // Not recorded: the pair's state comes back from its last save, and the points since are evaluated again.
            states.remove(pair);
            journal.states().entrySet().stream()
                    .filter(saved -> saved.getKey().equals(pair))
                    .findFirst()
                    .ifPresent(saved -> states.put(pair, RuleState.of(read(saved.getValue()))));
            if (warnings.allow("record")) {
                LOG.warn(
                        "Rule '{}' {} for device {} could not be recorded: {}",
                        rule.id(),
                        transition.kind().wireName(),
                        pair.device(),
                        e.toString());
            }
        }
    }

    /**
     * Saves the repeats of open alarms, and states: those never saved (a restart must know the pair),
     * and with {@code all} every one changed since its last save. Saving a state only moves where a
     * restart starts evaluating the stored points again, so the second kind is saved every few
     * seconds, not each: a thousand rows a second would compete with ingest for the store.
     */
    void flush(boolean all) {
        lock.lock();
        try {
            Map<RulePair, String> dirty = new LinkedHashMap<>();
            List<AlarmRepository.Touch> touches = new ArrayList<>();
            for (Map.Entry<RulePair, RuleState> entry : states.entrySet()) {
                RuleState state = entry.getValue();
                if (!state.saved || (all && state.dirty)) {
                    dirty.put(entry.getKey(), write(state.snapshot()));
                }
                if (state.repeats > 0) {
                    touches.add(new AlarmRepository.Touch(
                            entry.getKey().ruleId(),
                            entry.getKey().device(),
                            state.repeats,
                            state.lastRepeat.value(),
                            Instant.ofEpochMilli(state.lastRepeat.timestamp())));
                }
            }
            if (!dirty.isEmpty()) {
                journal.saveStates(dirty, clock.instant());
            }
            if (!touches.isEmpty()) {
                alarms.touch(touches);
            }
            for (RuleState state : states.values()) {
                if (!state.saved || all) {
                    state.dirty = false;
                    state.saved = true;
                }
                state.repeats = 0;
                state.lastRepeat = null;
            }
        } finally {
            lock.unlock();
        }
    }

    Optional<RuleError> lastError(String ruleId) {
        return Optional.ofNullable(lastErrors.get(ruleId));
    }

    Optional<Instant> lastFired(String ruleId) {
        return Optional.ofNullable(lastFired.get(ruleId));
    }

    /** After a restart: each pair's points stored after the last it evaluated, in time order. */
    private void catchUp() {
        long now = clock.millis();
        Map<DeviceId, Long> fromByDevice = new HashMap<>();
        for (Map.Entry<RulePair, RuleState> entry : states.entrySet()) {
            long from = entry.getValue().evaluatedUpTo + 1;
            if (from > 0 && from <= now) {
                fromByDevice.merge(entry.getKey().device(), from, Math::min);
            }
        }
        int points = 0;
        List<Transition> out = new ArrayList<>(2);
        for (Map.Entry<DeviceId, Long> device : fromByDevice.entrySet()) {
            List<Point> stored = new ArrayList<>();
            TimeRange range = new TimeRange(device.getValue(), now + 1);
            for (var series : telemetry.series(device.getKey())) {
                if (series.lastAt() >= device.getValue()) {
                    stored.addAll(telemetry.raw(device.getKey(), series.metric(), range, CATCH_UP_LIMIT));
                }
            }
            stored.sort(Comparator.comparingLong(Point::timestamp));
            for (Point point : stored) {
                evaluate(point, out);
            }
            points += stored.size();
        }
        if (points > 0) {
            LOG.info(
                    "Rules: evaluated {} points of {} devices stored since their last saved state",
                    points,
                    fromByDevice.size());
        }
    }

    /**
     * The contexts of every device a rule selects, with what their windows and {@code latest} need
     * read from the store now, while no point waits on it; a context kept from before keeps what it
     * learnt. A device registered later gets its context at its first point.
     */
    private void prepareContexts() {
        DeviceId after = null;
        while (true) {
            List<Device> page = devices.list(DeviceFilter.ALL, DEVICE_PAGE, after);
            for (Device device : page) {
                DeviceContext existing = contexts.get(device.id());
                List<CompiledRule> selecting = index.select(device);
                if (existing != null || !selecting.isEmpty()) {
                    bind(existing != null ? existing : new DeviceContext(device), selecting);
                }
            }
            if (page.size() < DEVICE_PAGE) {
                return;
            }
            after = page.getLast().id();
        }
    }

    private DeviceContext context(DeviceId id) {
        DeviceContext context = contexts.get(id);
        if (context != null && !context.stale) {
            return context;
        }
        Optional<Device> device = devices.find(id);
        if (device.isEmpty()) {
            return null;
        }
        DeviceContext fresh = new DeviceContext(device.get());
        if (context == null && !changedWithoutContext.remove(id)) {
            // No context and no change of record: the device registered since the engine started or its
            // rules last changed (each of its points comes through here), or no rule selected it then
            // and none does now. Nothing to read from the store, whose reads wait for the series merger
            // under load (a thousand new devices at full load once held the rules minutes behind).
            fresh.rebind(index.select(device.get()));
            fresh.latestSeeded = true;
            contexts.put(id, fresh);
            return fresh;
        }
        if (context != null) {
            fresh.takeOver(context);
        }
        return bind(fresh, index.select(device.get()));
    }

    /** Gives the context its rules, and reads from the store what its new windows and {@code latest} need. */
    private DeviceContext bind(DeviceContext context, List<CompiledRule> selecting) {
        Set<String> newWindows = context.rebind(selecting);
        DeviceId id = context.device.id();
        if (context.usesLatest && !context.latestSeeded) {
            for (Point point : telemetry.latest(id)) {
                context.latest.putIfAbsent(point.metric(), point.value().raw());
            }
            context.latestSeeded = true;
        }
        long now = clock.millis();
        for (String metric : newWindows) {
            SeriesWindow window = context.windows.get(metric);
            for (Point point : telemetry.raw(id, metric, new TimeRange(now - window.span(), now + 1), CATCH_UP_LIMIT)) {
                if (point.value().raw() instanceof Number number) {
                    window.add(point.timestamp(), number.doubleValue());
                }
            }
        }
        contexts.put(id, context);
        return context;
    }

    private Shadow shadow(DeviceId device) {
        return shadowCache.computeIfAbsent(device, shadows::get);
    }

    private static RuleState.Snapshot read(String document) {
        try {
            return JSON.readValue(document, RuleState.Snapshot.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable rule state: " + e.getOriginalMessage(), e);
        }
    }

    private static String write(RuleState.Snapshot snapshot) {
        try {
            return JSON.writeValueAsString(snapshot);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
