package io.edgeward.store.sql.internal;

import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * A migration written in Java because its SQL is built here (by the code that also uses it at run
 * time), so that it is not written out a second time: one version, one description, in a
 * transaction, no checksum (the code is the source).
 */
abstract class CodeMigration implements JavaMigration {

    private final MigrationVersion version;
    private final String description;

    CodeMigration(String version, String description) {
        this.version = MigrationVersion.fromVersion(version);
        this.description = description;
    }

    @Override
    public final MigrationVersion getVersion() {
        return version;
    }

    @Override
    public final String getDescription() {
        return description;
    }

    @Override
    public final Integer getChecksum() {
        return null;
    }

    @Override
    public final boolean canExecuteInTransaction() {
        return true;
    }
}
