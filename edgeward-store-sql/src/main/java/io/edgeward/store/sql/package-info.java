/**
 * JDBC adapters for the core's ports: SQLite (the embedded default) and PostgreSQL, chosen by the
 * JDBC URL. Schema changes are Flyway migrations, one folder per dialect
 * ({@code db/migration/sqlite}, {@code db/migration/postgresql}). Nothing outside this package knows
 * which database runs.
 */
package io.edgeward.store.sql;
