package io.edgeward.core.rules;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What a rule does when it fires (or clears, for actions with {@code on: clear}). Text fields are
 * templates: {@code {{device.id}}}, {@code {{value}}}, {@code {{unit}}}, {@code {{metric}}},
 * {@code {{rule.id}}}, {@code {{rule.name}}} are filled from the point and the device.
 */
public sealed interface RuleAction {

    /** When the action runs: as the rule fires, or as its alarm clears. */
    enum On {
        RAISE,
        CLEAR;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    On on();

    /** Per device. */
    RateLimit limit();

    /** The action's name in documents ({@code alarm}, {@code command}, …). */
    String type();

    /**
     * Raises the rule's alarm for the device (one open alarm per rule and device; repeated firings
     * update it), and clears it when the rule clears.
     */
    record RaiseAlarm(Severity severity, String message, RateLimit limit) implements RuleAction {
        @Override
        public On on() {
            return On.RAISE;
        }

        @Override
        public String type() {
            return "alarm";
        }
    }

    /**
     * Sends a command through the command service, to the device itself or to the one named
     * ({@code device}, a template), with the service's timeout and TTL.
     */
    record SendCommand(
            String command,
            Map<String, Object> parameters,
            String device,
            Duration timeout,
            Duration ttl,
            On on,
            RateLimit limit)
            implements RuleAction {
        public SendCommand {
            parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        }

        @Override
        public String type() {
            return "command";
        }
    }

    /** Sets keys of the device's desired state. */
    record SetDesired(Map<String, Object> desired, On on, RateLimit limit) implements RuleAction {
        public SetDesired {
            desired = Map.copyOf(desired);
        }

        @Override
        public String type() {
            return "shadow";
        }
    }

    /**
     * POSTs a JSON document describing the firing, signed with HMAC-SHA256 over the body when a
     * secret is set ({@code X-Edgeward-Signature: sha256=<hex>}), retried with backoff.
     */
    record Webhook(String url, String secret, Duration timeout, int retries, On on, RateLimit limit)
            implements RuleAction {
        @Override
        public String type() {
            return "webhook";
        }
    }

    /** Publishes an MQTT message on the node's broker, for local applications. */
    record Publish(String topic, String payload, int qos, boolean retain, On on, RateLimit limit)
            implements RuleAction {
        @Override
        public String type() {
            return "publish";
        }
    }

    /**
     * At an edge: sends the firing (the rule, the point that fired it, an optional message) to the
     * cloud at once, on the sync link's high stream, whatever stream the point itself goes on.
     */
    record Forward(String message, On on, RateLimit limit) implements RuleAction {
        @Override
        public String type() {
            return "forward";
        }
    }

    /** Writes a line to the node's log (logger {@code edgeward.rules}). */
    record Log(String message, On on, RateLimit limit) implements RuleAction {
        @Override
        public String type() {
            return "log";
        }
    }
}
