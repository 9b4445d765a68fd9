package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.rules.Rules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At a node receiving edges: the rules and processing configuration it keeps for each edge and
 * pushes down. A change is validated here as the edge would, stored as the edge's next version and
 * sent at once when the edge is connected; an edge that returns gets the newest version it has not
 * reported applied. The edge reports each version applied or failed up its high stream.
 */
public final class EdgeConfigs {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeConfigs.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EdgeConfigRepository store;
    private final DeviceRegistry registry;
    private final Rules rules;
    private final EdgeRelay relay;
    private final Clock clock;
    private final RateLimitedLog reportLog = RateLimitedLog.perMinute();

    public EdgeConfigs(EdgeConfigRepository store, DeviceRegistry registry, Rules rules, EdgeRelay relay, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.rules = rules;
        this.relay = relay;
        this.clock = clock;
    }

    /**
     * Stores the edge's next configuration and sends it down if the edge is connected.
     *
     * @param expectedVersion the version the change was made to (0: none yet); null to replace whatever is there
     * @throws IllegalArgumentException when {@code edge} is no gateway device of this node
     * @throws InvalidEdgeConfigException with every problem of the document
     * @throws EdgeConfigConflictException when {@code expectedVersion} is not the stored version
     */
    public EdgeConfig put(String edge, JsonNode document, Long expectedVersion, String author) {
        boolean gateway = DeviceId.isValid(edge)
                && registry.find(DeviceId.of(edge))
                        .map(found -> found.type() == DeviceType.GATEWAY)
                        .orElse(false);
        if (!gateway) {
            throw new IllegalArgumentException("edge '" + edge + "' is no gateway device of this node");
        }
        EdgeConfigDocument.parse(document, rules);
        String text = document.toString();
        if (text.getBytes(StandardCharsets.UTF_8).length > EdgeConfigDocument.MAX_BYTES) {
            throw new InvalidEdgeConfigException(
                    List.of("the document is over " + EdgeConfigDocument.MAX_BYTES + " bytes"));
        }
        EdgeConfig saved = store.save(edge, text, expectedVersion, author, clock.instant());
        LOG.info("Edge '{}': configuration version {} saved by {}", edge, saved.version(), author);
        relay.sendConfig(edge, saved.version(), saved.document());
        return saved;
    }

    public Optional<EdgeConfig> get(String edge) {
        return store.find(edge);
    }

    public List<EdgeConfig> list() {
        return store.list();
    }

    /** The edge subscribed again: the newest version it has not applied goes down. */
    public void edgeReady(String edge) {
        store.find(edge)
                .filter(config -> config.applied() == null
                        || config.applied().version() < config.version()
                        || !config.applied().succeeded())
                .ifPresent(config -> relay.sendConfig(edge, config.version(), config.document()));
    }

    /** The edge's report of applying a version (a {@code config_applied} event). */
    void reported(String edge, String json) {
        try {
            JsonNode report = JSON.readTree(json);
            EdgeConfig.Applied applied = new EdgeConfig.Applied(
                    report.path("version").asLong(),
                    report.path("status").asText(EdgeConfig.FAILED),
                    Instant.ofEpochMilli(report.path("at_ms").asLong(clock.millis())),
                    report.path("detail").asText(""));
            store.applied(edge, applied);
            if (!applied.succeeded() && reportLog.allow(edge)) {
                LOG.warn(
                        "Edge '{}' could not apply its configuration version {}: {} (not logged again for a minute)",
                        edge,
                        applied.version(),
                        applied.detail());
            }
        } catch (IOException | RuntimeException e) {
            if (reportLog.allow("malformed:" + edge)) {
                LOG.warn("Edge '{}' sent a configuration report that cannot be read: {}", edge, e.getMessage());
            }
        }
    }
}
