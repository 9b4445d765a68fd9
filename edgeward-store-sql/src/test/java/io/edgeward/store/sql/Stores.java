package io.edgeward.store.sql;

import io.edgeward.core.lifecycle.Threads;

/** Stores for tests, opened and started as a node opens and starts its own. */
final class Stores {

    private Stores() {}

    static SqlStore started(StoreSettings settings) {
        SqlStore store = SqlStore.open(settings, Threads.named("test"));
        store.start();
        return store;
    }
}
