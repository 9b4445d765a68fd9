package io.edgeward.store.sql.internal;

import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * Every write transaction of the adapters. SQLite has one writer at a time; a writer that finds
 * the database locked sleeps in SQLite's busy handler (1 ms, then up to 100 ms per try), which
 * under concurrent writers costs far more than the write. On SQLite, writers therefore queue on
 * this process's fair lock instead and the database lock is always free when they get there.
 * PostgreSQL needs no such lock.
 */
public final class Writes {

    private final Jdbi jdbi;
    private final ReentrantLock lock;

    public Writes(Jdbi jdbi, boolean singleWriter) {
        this.jdbi = jdbi;
        this.lock = singleWriter ? new ReentrantLock(true) : null;
    }

    public <R, X extends Exception> R inTransaction(HandleCallback<R, X> callback) throws X {
        if (lock == null) {
            return jdbi.inTransaction(callback);
        }
        lock.lock();
        try {
            return jdbi.inTransaction(callback);
        } finally {
            lock.unlock();
        }
    }

    public <X extends Exception> void useTransaction(HandleConsumer<X> callback) throws X {
        inTransaction(handle -> {
            callback.useHandle(handle);
            return null;
        });
    }
}
