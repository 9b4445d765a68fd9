package io.edgeward.core.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceLanes;
import io.edgeward.core.device.DeviceNotFoundException;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.device.Presence;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands to devices: accepted durably as QUEUED, sent in order when the device can take them,
 * DELIVERED on its acknowledgement, ended by its response, by the response timeout or, for a
 * device that stays away, by the TTL.
 *
 * <p>Every state change is a compare-and-set in the store, so a late response cannot revive a
 * timed-out command and two nodes cannot both send one. Sending runs in a lane per device
 * ({@link DeviceLanes}), which keeps commands in the order they were accepted; a device whose
 * transport is slow to take a command holds up its own lane only, and no lock is held while a
 * send is awaited.
 */
public final class CommandService implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(CommandService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PARAMETERS_BYTES = 8 * 1024;
    /** How long a send may take before the command goes back to the queue. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<CommandStatus> OPEN =
            Set.of(CommandStatus.QUEUED, CommandStatus.SENT, CommandStatus.DELIVERED);

    private final CommandRepository repository;
    private final DeviceRepository devices;
    private final Presence presence;
    /** Registered by the root as the transports are built; asked in that order. */
    private final List<CommandTransport> transports = new CopyOnWriteArrayList<>();
    /** The registered transports as one, over the list as it stands at each send. */
    private final CommandTransport transport = CommandTransport.firstOf(transports);

    private final Duration defaultTtl;
    private final Duration sweepPeriod;
    private final ThreadFactory sweeperThreads;
    private final Clock clock;
    private final CommandIds ids = new CommandIds();
    private final RateLimitedLog refusals = RateLimitedLog.perMinute();
    private final ConcurrentHashMap<String, CompletableFuture<Command>> waiters = new ConcurrentHashMap<>();
    private final ExecutorService senders;
    private final DeviceLanes lanes;
    private final Set<DeviceId> ready = ConcurrentHashMap.newKeySet();
    private final List<Consumer<Command>> endListeners = new CopyOnWriteArrayList<>();
    private final List<Predicate<DeviceId>> relays = new CopyOnWriteArrayList<>();
    /** Set while a lookup of ready devices is queued and has not begun to drain {@link #ready}. */
    private final AtomicBoolean readyLookupQueued = new AtomicBoolean();

    private final Map<CommandStatus, Counter> ended = new EnumMap<>(CommandStatus.class);
    private final Map<CommandResponseException.Reason, Counter> refused =
            new EnumMap<>(CommandResponseException.Reason.class);
    private final Counter accepted;
    private final Timer roundTrip;
    private ScheduledExecutorService sweeper;

    public CommandService(
            CommandRepository repository,
            DeviceRepository devices,
            Presence presence,
            CommandSettings settings,
            Clock clock,
            MeterRegistry meters,
            Threads threads) {
        this.repository = repository;
        this.devices = devices;
        this.presence = presence;
        this.defaultTtl = settings.defaultTtl();
        this.sweepPeriod = settings.sweepPeriod();
        this.sweeperThreads = threads.platform("command-sweeper");
        this.senders = Executors.newThreadPerTaskExecutor(threads.virtual("command-send"));
        this.lanes = new DeviceLanes(senders);
        this.clock = clock;
        this.accepted = Counter.builder("edgeward.commands.accepted")
                .description("Commands accepted for devices")
                .register(meters);
        for (CommandStatus status : CommandStatus.values()) {
            if (status.isTerminal()) {
                ended.put(
                        status,
                        Counter.builder("edgeward.commands.completed")
                                .description("Commands that reached a final state, by state")
                                .tag("status", status.wireName())
                                .register(meters));
            }
        }
        for (CommandResponseException.Reason reason : CommandResponseException.Reason.values()) {
            refused.put(
                    reason,
                    Counter.builder("edgeward.command.responses.rejected")
                            .description("Command responses from devices that were refused, by reason")
                            .tag("reason", reason.label())
                            .register(meters));
        }
        this.roundTrip = Timer.builder("edgeward.command.round.trip")
                .description("From sending a command to the device's response")
                .publishPercentileHistogram()
                .register(meters);
    }

    /**
     * Adds a way to reach devices. Transports are asked in the order they were added, each only when
     * the ones before it could not take the command; with none, commands stay queued.
     */
    public void addTransport(CommandTransport transport) {
        transports.add(transport);
    }

    /** Starts the sweep that times out and expires commands, and sends what waited across a restart. */
    @Override
    public synchronized void start() {
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(sweeperThreads);
            sweeper.scheduleWithFixedDelay(this::sweep, 0, sweepPeriod.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Accepts a command; sends it at once when the device is connected. A repeat with the same
     * idempotency key returns the first command instead.
     *
     * @throws DeviceNotFoundException for an unknown device
     */
    public Command submit(DeviceId device, NewCommand request) {
        if (devices.find(device).isEmpty()) {
            throw new DeviceNotFoundException(device.value());
        }
        if (request.idempotencyKey() != null) {
            Optional<Command> earlier = repository.findByIdempotencyKey(device, request.idempotencyKey());
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        int size = write(request.parameters()).length;
        if (size > MAX_PARAMETERS_BYTES) {
            throw new IllegalArgumentException(
                    "parameters are " + size + " bytes; the limit is " + MAX_PARAMETERS_BYTES);
        }
        Instant now = now();
        Duration ttl = request.ttl() == null ? defaultTtl : request.ttl();
        // A connected device with nothing queued or being sent gets the command at once: stored as
        // sent (one write, where queuing it and then marking it sent took two, each waiting its turn
        // at SQLite's single writer), then sent in the device's lane. Sent is recorded first, as below.
        boolean sendNow = reachable(device)
                && lanes.idle(device)
                && repository.queued(device).isEmpty();
        Command command = new Command(
                ids.next(now.toEpochMilli()),
                device,
                request.type(),
                request.parameters(),
                sendNow ? CommandStatus.SENT : CommandStatus.QUEUED,
                null,
                request.idempotencyKey(),
                request.timeout(),
                now,
                now.plus(ttl),
                sendNow ? now : null,
                null,
                null,
                sendNow ? now.plus(request.timeout()) : null);
        if (!repository.insert(command)) {
            // A concurrent request with the same key won the insert.
            return repository
                    .findByIdempotencyKey(device, request.idempotencyKey())
                    .orElseThrow();
        }
        accepted.increment();
        if (sendNow) {
            lanes.submit(device, () -> send(command, now)).whenComplete(this::logDispatchFailure);
        } else if (reachable(device)) {
            dispatch(device);
        }
        return command;
    }

    /** @throws CommandNotFoundException if the device has no such command */
    public Command get(DeviceId device, String id) {
        return repository
                .find(id)
                .filter(c -> c.device().equals(device))
                .orElseThrow(() -> new CommandNotFoundException(id));
    }

    public List<Command> list(DeviceId device, int limit, String beforeId) {
        if (devices.find(device).isEmpty()) {
            throw new DeviceNotFoundException(device.value());
        }
        return repository.list(device, limit, beforeId);
    }

    /**
     * Waits up to {@code wait} for the command to end and returns it as it then stands. Checks the
     * store at least every second, so a response handled by another node is seen too.
     */
    public Command await(DeviceId device, String id, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            // Registered before reading, so that an ending between the read and the wait is not missed.
            CompletableFuture<Command> done = waiters.computeIfAbsent(id, key -> new CompletableFuture<>());
            Command command = get(device, id);
            long left = deadline - System.nanoTime();
            if (command.status().isTerminal() || left <= 0) {
                return command;
            }
            try {
                Command ended = done.get(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                if (ended.status().isTerminal()) {
                    return ended;
                }
            } catch (TimeoutException | ExecutionException e) {
                // Read the store again: another node may have ended it.
            }
        }
    }

    /**
     * The device can take commands now (it connected, or subscribed to its command topic): send what
     * waits. Devices that become ready together are looked up together: a reconnect storm of 10,000
     * devices costs a few queries for the few with queued commands, not 10,000 (the store is asked,
     * not a cache, because another node of a cluster may have queued commands meanwhile).
     */
    public void deviceReady(DeviceId device) {
        ready.add(device);
        if (readyLookupQueued.compareAndSet(false, true)) {
            senders.execute(this::dispatchReady);
        }
    }

    private void dispatchReady() {
        // Cleared before draining: a device made ready from now on queues another lookup.
        readyLookupQueued.set(false);
        List<DeviceId> batch = new ArrayList<>();
        for (Iterator<DeviceId> it = ready.iterator(); it.hasNext(); ) {
            batch.add(it.next());
            it.remove();
        }
        if (batch.isEmpty()) {
            return;
        }
        Set<DeviceId> waiting;
        try {
            waiting = repository.withQueued(batch);
        } catch (RuntimeException e) {
            // Their commands stay queued and go out when the device next connects or subscribes.
            LOG.warn("Could not look up queued commands of {} devices: {}", batch.size(), e.getMessage());
            return;
        }
        waiting.forEach(this::dispatch);
    }

    /**
     * Sends the device's queued commands now, on the calling thread, for a transport whose device
     * asks for them (a sleepy CoAP device polling) rather than keeping a subscription.
     */
    public void dispatchNow(DeviceId device) {
        // Joined in the device's lane, so that it cannot overtake a dispatch already under way.
        try {
            dispatch(device).get(SEND_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Dispatch to '{}' did not finish: {}", device, e.toString());
        }
    }

    /**
     * The seed's documents of the commands sent to the device and not yet answered, oldest first
     * (at most the 100 newest commands are looked at): what a device that comes back through another
     * transport, or after a restart of this node, still owes an answer for.
     */
    public List<byte[]> awaitingResponse(DeviceId device) {
        List<Command> recent = repository.list(device, 100, null);
        List<byte[]> documents = new ArrayList<>();
        for (int i = recent.size() - 1; i >= 0; i--) {
            Command command = recent.get(i);
            if (command.status() == CommandStatus.SENT || command.status() == CommandStatus.DELIVERED) {
                documents.add(CommandDocuments.command(command, command.sentAt() == null ? now() : command.sentAt()));
            }
        }
        return documents;
    }

    /** The device acknowledged the command's delivery (MQTT PUBACK). */
    public void delivered(DeviceId device, String id) {
        repository
                .find(id)
                .filter(c -> c.device().equals(device))
                .ifPresent(command -> repository.markDelivered(id, now()));
    }

    /**
     * Applies the seed's response {@code {"command_id","status":"success|failed","message","timestamp"}}.
     *
     * @return the command as it now stands
     * @throws CommandResponseException for a malformed response or one for a command the device does not have
     */
    public Command respond(DeviceId device, byte[] payload) {
        CommandDocuments.Response response;
        try {
            response = CommandDocuments.response(payload);
        } catch (CommandResponseException e) {
            refuse(device, e);
            throw e;
        }
        Optional<Command> found =
                repository.find(response.commandId()).filter(c -> c.device().equals(device));
        if (found.isEmpty()) {
            CommandResponseException e = new CommandResponseException(
                    CommandResponseException.Reason.UNKNOWN_COMMAND,
                    "no command '" + response.commandId() + "' for device '" + device + "'");
            refuse(device, e);
            throw e;
        }
        CommandStatus outcome = response.success() ? CommandStatus.SUCCEEDED : CommandStatus.FAILED;
        Instant now = now();
        if (repository.transition(response.commandId(), OPEN, outcome, now, response.message(), null)) {
            Command command = found.get();
            if (command.sentAt() != null) {
                roundTrip.record(Duration.between(command.sentAt(), now));
            }
            return ended(response.commandId(), outcome);
        }
        // Already ended (a timeout won, or a repeated response): the first outcome stands.
        return repository.find(response.commandId()).orElseThrow();
    }

    /** Sends the device's queued commands, in order, in the device's lane. */
    private CompletableFuture<Void> dispatch(DeviceId device) {
        CompletableFuture<Void> done = lanes.submit(device, () -> sendQueued(device));
        done.whenComplete(this::logDispatchFailure);
        return done;
    }

    private void logDispatchFailure(Object result, Throwable error) {
        if (error != null && !(error instanceof RejectedExecutionException)) {
            LOG.warn("Sending queued commands failed; they stay queued: {}", error.toString());
        }
    }

    private void sendQueued(DeviceId device) {
        for (Command command : repository.queued(device)) {
            Instant now = now();
            if (command.expiresAt().isBefore(now)) {
                if (repository.transition(
                        command.id(),
                        Set.of(CommandStatus.QUEUED),
                        CommandStatus.EXPIRED,
                        now,
                        "the device did not come back within the TTL",
                        null)) {
                    ended(command.id(), CommandStatus.EXPIRED);
                }
                continue;
            }
            // SENT is recorded first: the device's acknowledgement can arrive before send() returns.
            if (!repository.transition(
                    command.id(),
                    Set.of(CommandStatus.QUEUED),
                    CommandStatus.SENT,
                    now,
                    null,
                    now.plus(command.timeout()))) {
                continue; // another node sent it, or it ended meanwhile
            }
            if (!send(command, now)) {
                return; // the rest waits too, in order
            }
        }
    }

    /**
     * Sends a command recorded as sent, in its device's lane; one the device does not take goes
     * back in the queue.
     *
     * @return whether the device took it
     */
    private boolean send(Command command, Instant now) {
        boolean taken;
        try {
            // Waits in this device's lane only (a virtual thread, no lock held).
            taken = transport
                    .send(command.device(), CommandDocuments.command(command, now))
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            taken = false;
        } catch (Exception e) {
            LOG.warn(
                    "Command {} to '{}' could not be sent, it stays queued: {}",
                    command.id(),
                    command.device(),
                    e.toString());
            taken = false;
        }
        if (!taken) {
            // Not subscribed yet (or the send failed): back in the queue.
            repository.transition(command.id(), Set.of(CommandStatus.SENT), CommandStatus.QUEUED, now, null, null);
        }
        return taken;
    }

    /** Times out sent commands past their deadline and expires queued ones past their TTL. */
    void sweep() {
        try {
            Instant now = now();
            for (Command command : repository.overdue(now, 1000)) {
                if (command.status() == CommandStatus.QUEUED) {
                    if (repository.transition(
                            command.id(),
                            Set.of(CommandStatus.QUEUED),
                            CommandStatus.EXPIRED,
                            now,
                            "not sent within the TTL: the device did not come back in time",
                            null)) {
                        ended(command.id(), CommandStatus.EXPIRED);
                    }
                } else if (repository.transition(
                        command.id(),
                        Set.of(CommandStatus.SENT, CommandStatus.DELIVERED),
                        CommandStatus.TIMED_OUT,
                        now,
                        "no response within " + command.timeout().toMillis() + " ms",
                        null)) {
                    ended(command.id(), CommandStatus.TIMED_OUT);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Command sweep failed, retrying at the next period: {}", e.toString());
        }
    }

    private Command ended(String id, CommandStatus status) {
        ended.get(status).increment();
        Command command = repository.find(id).orElseThrow();
        CompletableFuture<Command> waiter = waiters.remove(id);
        if (waiter != null) {
            waiter.complete(command);
        }
        for (Consumer<Command> listener : endListeners) {
            try {
                listener.accept(command);
            } catch (RuntimeException e) {
                LOG.warn("A command end listener failed for '{}': {}", id, e.toString());
            }
        }
        return command;
    }

    /** Told when a command ends (succeeded, failed, timed out, expired), on the thread that ended it. */
    public void addEndListener(Consumer<Command> listener) {
        endListeners.add(listener);
    }

    /**
     * Devices this node reaches through another (an edge it receives): a command to one is sent as
     * soon as the predicate says so, as to a device connected here.
     */
    public void addRelay(Predicate<DeviceId> reachable) {
        relays.add(reachable);
    }

    private boolean reachable(DeviceId device) {
        if (presence.isConnected(device)) {
            return true;
        }
        for (Predicate<DeviceId> relay : relays) {
            if (relay.test(device)) {
                return true;
            }
        }
        return false;
    }

    private void refuse(DeviceId device, CommandResponseException e) {
        refused.get(e.reason()).increment();
        if (refusals.allow(device.value())) {
            LOG.info("Command response from '{}' refused: {}", device, e.getMessage());
        }
    }

    private static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("parameters cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    @Override
    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
        senders.shutdown();
        try {
            senders.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
