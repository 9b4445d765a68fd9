package io.edgeward.core.device.internal;

import io.edgeward.core.device.Credential;
import io.edgeward.core.device.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Every device credential in memory, by device id and by secret hash, so that a CONNECT, a CoAP
 * token or a DTLS handshake is decided without a database read: a reconnect storm of 10,000 devices
 * or a flood of made-up tokens costs a hash and a map lookup each.
 *
 * <p>The registry keeps it exact for every change made through this process. What another process
 * changes in a shared store (several nodes on one PostgreSQL) arrives with the next full reload, at
 * most {@link #RELOAD_AFTER_NANOS} later; until then a miss may ask the store, but only
 * {@link #FALLBACKS_PER_SECOND} times a second in all, so that unknown ids and tokens sent at full
 * speed never turn into store reads at full speed.
 */
public final class CredentialIndex {

    static final long RELOAD_AFTER_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final int FALLBACKS_PER_SECOND = 20;

    private final Supplier<List<Credential>> loadAll;
    private final LongSupplier nanoTime;
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile Snapshot snapshot;
    /** Start of the current second of fallbacks and how many it has used (guarded by {@code this}). */
    private long fallbackWindow;

    private int fallbacksInWindow;

    public CredentialIndex(Supplier<List<Credential>> loadAll, LongSupplier nanoTime) {
        this.loadAll = loadAll;
        this.nanoTime = nanoTime;
    }

    /** The credential of a device id, from memory; empty for an id this process does not know (yet). */
    public Optional<Credential> byId(DeviceId id) {
        return Optional.ofNullable(current().byId.get(id));
    }

    /** The credential whose secret hash this is. */
    public Optional<Credential> bySecretHash(String secretHash) {
        DeviceId id = current().byHash.get(new Digest(secretHash));
        return id == null ? Optional.empty() : byId(id);
    }

    /** True when a miss may be checked against the store now: a bounded number of times per second. */
    public synchronized boolean mayAskStore() {
        long now = nanoTime.getAsLong();
        if (now - fallbackWindow >= TimeUnit.SECONDS.toNanos(1)) {
            fallbackWindow = now;
            fallbacksInWindow = 0;
        }
        return fallbacksInWindow++ < FALLBACKS_PER_SECOND;
    }

    /**
     * Records a credential once it is committed: registered, rotated, retyped, or found in the store
     * on a miss. Under the reload lock, so that a reload that read the store before the commit
     * cannot install a snapshot without it: the change waits and lands in the new snapshot.
     */
    public void put(Credential credential) {
        reloading.lock();
        try {
            Snapshot current = snapshot;
            if (current == null) {
                return; // not loaded yet: the load reads it from the store
            }
            Credential previous = current.byId.put(credential.id(), credential);
            if (previous != null && !previous.secretHash().equals(credential.secretHash())) {
                current.byHash.remove(new Digest(previous.secretHash()), previous.id());
            }
            current.byHash.put(new Digest(credential.secretHash()), credential.id());
        } finally {
            reloading.unlock();
        }
    }

    /** Forgets a deleted device (after the deletion is committed). */
    public void remove(DeviceId id) {
        reloading.lock();
        try {
            Snapshot current = snapshot;
            Credential previous = current == null ? null : current.byId.remove(id);
            if (previous != null) {
                current.byHash.remove(new Digest(previous.secretHash()), id);
            }
        } finally {
            reloading.unlock();
        }
    }

    private Snapshot current() {
        Snapshot current = snapshot;
        if (current != null && nanoTime.getAsLong() - current.loadedAt < RELOAD_AFTER_NANOS) {
            return current;
        }
        if (current != null && !reloading.tryLock()) {
            return current; // another thread is reloading; the stale copy answers meanwhile
        }
        if (current == null) {
            reloading.lock();
        }
        try {
            Snapshot latest = snapshot;
            if (latest != null && latest != current) {
                return latest;
            }
            Snapshot loaded = load();
            snapshot = loaded;
            return loaded;
        } finally {
            reloading.unlock();
        }
    }

    /** Reads every credential; called with the reload lock held. */
    private Snapshot load() {
        Snapshot loaded = new Snapshot(nanoTime.getAsLong());
        for (Credential credential : loadAll.get()) {
            loaded.byId.put(credential.id(), credential);
            loaded.byHash.put(new Digest(credential.secretHash()), credential.id());
        }
        return loaded;
    }

    private static final class Snapshot {
        final long loadedAt;
        final Map<DeviceId, Credential> byId = new ConcurrentHashMap<>();
        final Map<Digest, DeviceId> byHash = new ConcurrentHashMap<>();

        Snapshot(long loadedAt) {
            this.loadedAt = loadedAt;
        }
    }

    /** A stored hash as its 32 bytes rather than its 71-character text: a third of the memory per device. */
    private record Digest(byte[] bytes) {
        Digest(String storedHash) {
            this(parse(storedHash));
        }

        private static byte[] parse(String storedHash) {
            String hex = Secrets.pskOfStoredHash(storedHash);
            try {
                return hex == null
                        ? storedHash.getBytes(StandardCharsets.UTF_8)
                        : HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                return storedHash.getBytes(StandardCharsets.UTF_8);
            }
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Digest digest && Arrays.equals(bytes, digest.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
