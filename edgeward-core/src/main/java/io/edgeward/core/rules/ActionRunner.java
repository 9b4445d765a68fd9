package io.edgeward.core.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.NewCommand;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceNotFoundException;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stored action jobs, each on a virtual thread of its own, so that a slow webhook holds up
 * nothing but itself; a job leaves the store only when done, or failed for good. A failed attempt
 * is retried with backoff (1 s, doubling, at most 5 min) while the action allows: a webhook its
 * {@code retries}, other actions 5 times. Each job's id makes it run once in effect: a command's
 * idempotency key, a webhook's {@code X-Edgeward-Delivery} header.
 */
final class ActionRunner implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);
    private static final Logger ACTIONS = LoggerFactory.getLogger("edgeward.rules");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEFAULT_RETRIES = 5;
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    private static final int BATCH = 200;
    /** Longer than a poll's read of the due jobs can take. */
    private static final long FINISHED_MEMORY_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Jobs running at once; each is a virtual thread, mostly waiting on a socket. */
    private static final int IN_FLIGHT = 256;

    private final RuleJournal journal;
    private final CommandService commands;
    private final ShadowService shadows;
    private final WebhookClient webhooks;
    private volatile LocalPublisher publisher = LocalPublisher.NONE;
    private final RuleMetrics metrics;
    private final Clock clock;
    private final Threads threads;
    private final RateLimitedLog warnings = RateLimitedLog.perMinute();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    /**
     * Jobs finished in the last seconds: a poll that read a job before it finished must not run it
     * again once it is no longer running (nanoTime of the finish, by id).
     */
    private final Map<String, Long> finished = new ConcurrentHashMap<>();

    private final Semaphore slots = new Semaphore(IN_FLIGHT);
    private final Semaphore wake = new Semaphore(0);
    private ExecutorService workers;
    private Thread poller;
    private volatile boolean closed;

    ActionRunner(
            RuleJournal journal,
            CommandService commands,
            ShadowService shadows,
            WebhookClient webhooks,
            RuleMetrics metrics,
            Clock clock,
            Threads threads) {
        this.journal = journal;
        this.commands = commands;
        this.shadows = shadows;
        this.webhooks = webhooks;
        this.metrics = metrics;
        this.clock = clock;
        this.threads = threads;
    }

    @Override
    public synchronized void start() {
        if (poller != null || closed) {
            return;
        }
        workers = Executors.newThreadPerTaskExecutor(threads.virtual("rule-action"));
        poller = threads.platform("rule-actions").newThread(this::poll);
        poller.start();
    }

    void usePublisher(LocalPublisher publisher) {
        this.publisher = publisher;
    }

    /**
     * Jobs just recorded: run them now, without waiting for a poll to read them back; the poll finds
     * any that no slot was free for.
     */
    void submit(List<ActionJob> jobs) {
        if (workers == null || closed) {
            wake.release();
            return;
        }
        for (ActionJob job : jobs) {
            if (slots.tryAcquire()) {
                start(job);
            } else {
                wake.release();
                return;
            }
        }
    }

    /** Runs the job on a worker, unless it runs or ran already; the caller holds a slot, released here. */
    private void start(ActionJob job) {
        if (finished.containsKey(job.id()) || !running.add(job.id())) {
            slots.release();
            return;
        }
        workers.execute(() -> {
            try {
                if (run(job)) {
                    finished.put(job.id(), System.nanoTime());
                }
            } finally {
                running.remove(job.id());
                slots.release();
            }
        });
    }

    private void poll() {
        while (!closed) {
            try {
                long now = System.nanoTime();
                finished.values().removeIf(at -> now - at > FINISHED_MEMORY_NANOS);
                List<ActionJob> due = journal.dueJobs(clock.instant(), BATCH);
                for (ActionJob job : due) {
                    slots.acquire();
                    start(job);
                }
                wake.tryAcquire(due.size() == BATCH ? 0 : 500, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (warnings.allow("poll")) {
                    LOG.warn("Rule actions: could not read the jobs waiting: {}", e.toString());
                }
                sleepQuietly();
            }
        }
    }

    /** Runs one attempt; true when the job is over (done, or failed for good), false when it is to be retried. */
    private boolean run(ActionJob job) {
        long started = System.nanoTime();
        JsonNode action;
        Map<String, Object> context;
        try {
            action = JSON.readTree(job.action());
            context = JSON.readValue(job.context(), Map.class);
        } catch (JsonProcessingException e) {
            journal.jobFailed(
                    job.id(), job.attempts() + 1, "unreadable job: " + e.getOriginalMessage(), clock.instant());
            return true;
        }
        String type = action.path("type").asText();
        try {
            execute(job, type, action, context);
            metrics.action(type, Duration.ofNanos(System.nanoTime() - started));
            journal.jobDone(job.id(), clock.instant());
            return true;
        } catch (PermanentFailure e) {
            metrics.actionFailed(type);
            journal.jobFailed(job.id(), job.attempts() + 1, e.getMessage(), clock.instant());
            warn(job, type, e.getMessage(), "failed for good");
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException | RuntimeException e) {
            metrics.actionFailed(type);
            int attempts = job.attempts() + 1;
            int retries = type.equals("webhook") ? action.path("retries").asInt(DEFAULT_RETRIES) : DEFAULT_RETRIES;
            String error = e.getMessage() == null ? e.toString() : e.getMessage();
            if (attempts > retries) {
                journal.jobFailed(job.id(), attempts, error, clock.instant());
                warn(job, type, error, "failed after " + attempts + " attempts");
                return true;
            }
            journal.jobRetry(job.id(), attempts, clock.instant().plus(backoff(attempts)), error);
            return false;
        }
    }

    private void execute(ActionJob job, String type, JsonNode action, Map<String, Object> context)
            throws IOException, InterruptedException {
        switch (type) {
            case "command" -> command(job, action, context);
            case "shadow" -> desired(job, action, context);
            case "webhook" -> webhook(job, action, context);
            case "publish" -> publish(action, context);
            case "forward" -> forward(job, action, context);
            case "log" ->
                ACTIONS.info(
                        "{}",
                        Templates.fill(
                                text(action, "message", "Rule {{rule.id}} {{event}} for {{device.id}}"), context));
            default -> throw new PermanentFailure("unknown action type '" + type + "'");
        }
    }

    private void command(ActionJob job, JsonNode action, Map<String, Object> context) {
        String target = Templates.fill(text(action, "device", job.device().value()), context);
        Map<String, Object> parameters = (Map<String, Object>)
                Templates.fillAll(JSON.convertValue(action.path("parameters"), Map.class), context);
        try {
            commands.submit(
                    DeviceId.of(target),
                    new NewCommand(
                            action.path("command").asText(),
                            parameters == null ? Map.of() : parameters,
                            duration(action, "timeout"),
                            duration(action, "ttl"),
                            job.id().length() <= 128
                                    ? job.id()
                                    : job.id().substring(job.id().length() - 128)));
        } catch (DeviceNotFoundException | IllegalArgumentException e) {
            throw new PermanentFailure(e.getMessage());
        }
    }

    private void desired(ActionJob job, JsonNode action, Map<String, Object> context) {
        ObjectNode request = JSON.createObjectNode();
        request.putObject("state")
                .set(
                        "desired",
                        JSON.valueToTree(
                                Templates.fillAll(JSON.convertValue(action.path("desired"), Map.class), context)));
        try {
            shadows.update(job.device(), request, ChangedBy.RULE);
        } catch (ShadowException e) {
            throw new PermanentFailure(e.getMessage());
        }
    }

    private void webhook(ActionJob job, JsonNode action, Map<String, Object> context)
            throws IOException, InterruptedException {
        byte[] body = JSON.writeValueAsBytes(context);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Edgeward-Delivery", job.id());
        headers.put("X-Edgeward-Event", String.valueOf(context.get("event")));
        String secret = text(action, "secret", null);
        if (secret != null) {
            headers.put("X-Edgeward-Signature", "sha256=" + hmac(secret, body));
        }
        Duration timeout = duration(action, "timeout");
        int status = webhooks.post(
                Templates.fill(action.path("url").asText(), context),
                headers,
                body,
                timeout == null ? Duration.ofSeconds(5) : timeout);
        if (status < 200 || status >= 300) {
            throw new IOException("the webhook answered " + status);
        }
    }

    private void publish(JsonNode action, Map<String, Object> context) throws JsonProcessingException {
        String payload = text(action, "payload", null);
        byte[] bytes = payload == null
                ? JSON.writeValueAsBytes(context)
                : Templates.fill(payload, context).getBytes(StandardCharsets.UTF_8);
        publisher.publish(
                Templates.fill(action.path("topic").asText(), context),
                bytes,
                action.path("qos").asInt(1),
                action.path("retain").asBoolean(false));
    }

    private void forward(ActionJob job, JsonNode action, Map<String, Object> context) {
        RuleForwarder to = forwarder;
        if (to == null) {
            throw new PermanentFailure("this node forwards nothing (sync.role is not edge)");
        }
        Map<String, Object> firing = new LinkedHashMap<>(context);
        String message = text(action, "message", null);
        if (message != null) {
            firing.put("message", Templates.fill(message, context));
        }
        to.forward(job.device(), firing);
    }

    private volatile RuleForwarder forwarder;

    /** At an edge: where {@code forward} actions send their firings. */
    void useForwarder(RuleForwarder forwarder) {
        this.forwarder = forwarder;
    }

    /** Hex HMAC-SHA256 of the body, as GitHub signs its webhooks. */
    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static Duration backoff(int attempts) {
        Duration backoff = Duration.ofSeconds(1L << Math.min(attempts - 1, 20));
        return backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
    }

    private static String text(JsonNode node, String field, String otherwise) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? otherwise : value.asText();
    }

    private static Duration duration(JsonNode node, String field) {
        String text = text(node, field, null);
        return text == null ? null : io.edgeward.core.time.Durations.parse(text);
    }

    private void warn(ActionJob job, String type, String error, String what) {
        if (warnings.allow("failed:" + job.ruleId())) {
            LOG.warn("Rule '{}': {} action for device {} {}: {}", job.ruleId(), type, job.device(), what, error);
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        wake.release();
        Thread thread;
        synchronized (this) {
            thread = poller;
        }
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (workers != null) {
            workers.shutdown();
            try {
                workers.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers.shutdownNow();
        }
    }

    /** A failure no retry can fix: an unknown device, a malformed document. */
    private static final class PermanentFailure extends RuntimeException {
        PermanentFailure(String message) {
            super(message);
        }
    }
}
