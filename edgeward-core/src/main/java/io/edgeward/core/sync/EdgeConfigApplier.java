package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.processing.Processing;
import io.edgeward.core.rules.RuleView;
import io.edgeward.core.rules.Rules;
import java.io.IOException;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge: applies the configuration the cloud pushes. Rules are saved with the author
 * {@link #AUTHOR}; a rule of that author the new version no longer lists is deleted, and one an
 * operator here edited since (another author) is the edge's own from then on, left alone unless
 * the cloud lists it again. The processing configuration, when the document has one, replaces the
 * edge's. The whole document is checked before anything changes; the outcome goes back up the high
 * stream, and a version already applied is only reported again.
 */
public final class EdgeConfigApplier {

    /** Who saved what the cloud pushed (the rules' and the processing configuration's author). */
    public static final String AUTHOR = "cloud";

    private static final Logger LOG = LoggerFactory.getLogger(EdgeConfigApplier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String edgeId;
    private final Rules rules;
    private final Processing processing;
    private final EdgeConfigRepository store;
    private final EdgeEvents events;
    private final Clock clock;

    public EdgeConfigApplier(
            String edgeId,
            Rules rules,
            Processing processing,
            EdgeConfigRepository store,
            EdgeEvents events,
            Clock clock) {
        this.edgeId = edgeId;
        this.rules = rules;
        this.processing = processing;
        this.store = store;
        this.events = events;
        this.clock = clock;
    }

    /** {@code {"version": N, "document": {...}}} from the cloud. */
    synchronized void received(byte[] payload) throws IOException {
        JsonNode message = JSON.readTree(payload);
        long version = message.path("version").asLong(0);
        if (version <= 0 || !message.path("document").isObject()) {
            throw new IllegalArgumentException("a configuration without its version and document");
        }
        Optional<EdgeConfig> kept = store.find(edgeId);
        if (kept.isPresent()
                && kept.get().applied() != null
                && kept.get().applied().version() >= version
                && kept.get().applied().succeeded()) {
            events.configApplied(kept.get().applied()); // the report may have been lost: say it again
            return;
        }
        JsonNode document = message.get("document");
        EdgeConfig.Applied outcome;
        try {
            outcome = new EdgeConfig.Applied(
                    version, EdgeConfig.APPLIED, clock.instant(), apply(EdgeConfigDocument.parse(document, rules)));
            LOG.info("Configuration version {} from the cloud applied: {}", version, outcome.detail());
        } catch (RuntimeException e) {
            // Invalid here (another version of Edgeward than the cloud's), or a store failure midway.
            outcome = new EdgeConfig.Applied(version, EdgeConfig.FAILED, clock.instant(), e.getMessage());
            LOG.warn("Configuration version {} from the cloud not applied: {}", version, e.getMessage());
        }
        store.keepApplied(edgeId, version, document.toString(), outcome);
        events.configApplied(outcome);
    }

    /** @return what changed, for the report */
    private String apply(EdgeConfigDocument document) {
        StringBuilder changes = new StringBuilder();
        if (document.rules() != null) {
            Set<String> listed = new HashSet<>();
            int saved = 0;
            for (JsonNode rule : document.rules()) {
                listed.add(rule.path("id").asText());
                if (rules.saveIfChanged(rule, AUTHOR).isPresent()) {
                    saved++;
                }
            }
            int deleted = 0;
            List<RuleView> inForce = rules.list();
            for (RuleView rule : inForce) {
                if (rule.stored().author().equals(AUTHOR)
                        && !listed.contains(rule.stored().id())) {
                    rules.delete(rule.stored().id(), null, AUTHOR);
                    deleted++;
                }
            }
            changes.append("rules: ")
                    .append(listed.size())
                    .append(" listed, ")
                    .append(saved)
                    .append(" saved, ")
                    .append(deleted)
                    .append(" deleted");
        }
        if (document.processing() != null) {
            boolean changed = processing.updateIfChanged(document.processing(), AUTHOR);
            changes.append(changes.isEmpty() ? "" : "; ")
                    .append("processing: ")
                    .append(changed ? "replaced" : "unchanged");
        }
        return changes.isEmpty() ? "nothing to change" : changes.toString();
    }
}
