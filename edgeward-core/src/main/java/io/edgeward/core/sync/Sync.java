package io.edgeward.core.sync;

import java.util.List;
import java.util.Optional;

/**
 * A node's sync parts as its settings make them: the sender at an edge, the receiver at a node
 * receiving edges, either, both or none.
 */
public final class Sync {

    private final SyncSettings settings;
    private final SyncSender sender;
    private final SyncReceiver receiver;
    private final Outbox outbox;
    private final Resync resync;
    private final EdgeRelay relay;
    private final EdgeConfigs configs;
    private final EdgeDownlink downlink;
    private final EdgeEvents events;
    private final EdgeConfigRepository configStore;

    /**
     * @param resync at an edge, with the sender; null otherwise
     * @param relay at a node receiving edges, with the receiver; null otherwise
     * @param configs at a node receiving edges, the configurations it pushes to them; null otherwise
     */
    public Sync(
            SyncSettings settings,
            SyncSender sender,
            SyncReceiver receiver,
            Outbox outbox,
            Resync resync,
            EdgeRelay relay,
            EdgeConfigs configs,
            EdgeConfigRepository configStore,
            EdgeDownlink downlink,
            EdgeEvents events) {
        this.downlink = downlink;
        this.events = events;
        this.configs = configs;
        this.configStore = configStore;
        this.settings = settings;
        this.sender = sender;
        this.receiver = receiver;
        this.outbox = outbox;
        this.resync = resync;
        this.relay = relay;
    }

    public Optional<EdgeRelay> relay() {
        return Optional.ofNullable(relay);
    }

    /** At a node receiving edges: the rules and processing configurations it pushes to them. */
    public Optional<EdgeConfigs> configs() {
        return Optional.ofNullable(configs);
    }

    /** At an edge: the configuration the cloud pushed that it applied last, and how. */
    public Optional<EdgeConfig> appliedConfig() {
        return sender == null ? Optional.empty() : configStore.find(settings.edgeId());
    }

    /** At an edge: what comes down from the cloud, to register handlers of further kinds. */
    public Optional<EdgeDownlink> downlink() {
        return Optional.ofNullable(downlink);
    }

    /** At an edge: its events up the high stream, for parts the root adds (firmware jobs). */
    public Optional<EdgeEvents> edgeEvents() {
        return Optional.ofNullable(events);
    }

    public Optional<Resync> resync() {
        return Optional.ofNullable(resync);
    }

    /** At a receiving node: the newest events edges reported, of one edge or (null) all. */
    public List<EdgeEvent> events(String edgeId, int limit) {
        return outbox.events(edgeId, limit);
    }

    public SyncSettings settings() {
        return settings;
    }

    public Optional<SyncSender> sender() {
        return Optional.ofNullable(sender);
    }

    public Optional<SyncReceiver> receiver() {
        return Optional.ofNullable(receiver);
    }

    public SyncStatus status() {
        List<String> roles = settings.roles().stream()
                .map(role -> role.name().toLowerCase(java.util.Locale.ROOT))
                .toList();
        List<EdgeMark> edges = receiver == null ? List.of() : receiver.edges();
        if (sender == null) {
            return new SyncStatus(roles, settings.edgeId(), "", "none", null, 0, List.of(), 0, edges);
        }
        return new SyncStatus(
                roles,
                settings.edgeId(),
                sender.target(),
                sender.linkUp() ? "up" : "down",
                sender.lastError(),
                sender.lastErrorAt(),
                sender.streams(),
                outbox.parked(1000).size(),
                edges);
    }

    /** Parked rows: what the other side refused, newest first. */
    public List<ParkedEntry> parked(int limit) {
        return outbox.parked(limit);
    }
}
