package io.edgeward.store.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.edgeward.core.command.CommandRepository;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.shadow.ShadowRepository;
import io.edgeward.core.telemetry.TelemetryStore;
import io.edgeward.store.sql.internal.SqlCommandRepository;
import io.edgeward.store.sql.internal.SqlDeviceRepository;
import io.edgeward.store.sql.internal.SqlShadowRepository;
import io.edgeward.store.sql.internal.SqlTelemetryStore;
import io.edgeward.store.sql.internal.TelemetryLog;
import io.edgeward.store.sql.internal.Writes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

/**
 * The relational store: one connection pool, migrated on open, and the port implementations over it.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=FULL}: every commit is fsync'd before it
 * returns, which is what "acknowledged only after durably stored" rests on. The telemetry writer
 * commits in groups so that fsync is paid once per batch, not once per message.
 */
public final class SqlStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqlStore.class);
    private static final long CHECKPOINT_PERIOD_MS = 1000;

    private final Dialect dialect;
    private final HikariDataSource dataSource;
    private final SqlDeviceRepository devices;
    private final SqlTelemetryStore telemetry;
    private final SqlShadowRepository shadows;
    private final SqlCommandRepository commands;
    private final ScheduledExecutorService checkpointer;
    private final Optional<TelemetryLog> telemetryLog;

    private SqlStore(Dialect dialect, HikariDataSource dataSource) {
        this.dialect = dialect;
        this.dataSource = dataSource;
        Jdbi jdbi = Jdbi.create(dataSource);
        Writes writes = new Writes(jdbi, dialect == Dialect.SQLITE);
        this.telemetryLog = dialect == Dialect.SQLITE ? Optional.of(new TelemetryLog(jdbi, writes)) : Optional.empty();
        this.devices = new SqlDeviceRepository(jdbi, writes, telemetryLog);
        this.telemetry = new SqlTelemetryStore(jdbi, writes, telemetryLog);
        this.shadows = new SqlShadowRepository(jdbi, writes);
        this.commands = new SqlCommandRepository(jdbi, writes);
        this.checkpointer = dialect == Dialect.SQLITE ? startCheckpointer() : null;
    }

    /**
     * SQLite's automatic WAL checkpoint runs inside whichever commit crosses the threshold, which
     * is the telemetry writer's group commit, and every acknowledgement waiting on it pays for
     * copying the WAL into the database. Auto-checkpoint is off on the pool's connections; this
     * thread checkpoints in PASSIVE mode, which never blocks the writer.
     */
    private ScheduledExecutorService startCheckpointer() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("edgeward-sqlite-checkpoint").daemon().factory());
        executor.scheduleWithFixedDelay(this::checkpoint, CHECKPOINT_PERIOD_MS, CHECKPOINT_PERIOD_MS, TimeUnit.MILLISECONDS);
        return executor;
    }

    private void checkpoint() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException | RuntimeException e) {
            LOG.debug("WAL checkpoint skipped: {}", e.getMessage());
        }
    }

    /** Opens the pool and applies pending migrations. */
    public static SqlStore open(StoreSettings settings) {
        Dialect dialect = Dialect.fromUrl(settings.url());
        HikariConfig config = new HikariConfig();
        config.setPoolName("edgeward-store");
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(1);
        config.setConnectionTimeout(30_000);
        if (dialect == Dialect.SQLITE) {
            config.setDataSource(sqlite(settings.url()));
            config.setConnectionInitSql("PRAGMA wal_autocheckpoint=0");
        } else {
            config.setJdbcUrl(settings.url());
            config.setUsername(settings.username());
            config.setPassword(settings.password());
        }
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            var result = Flyway.configure()
                    .dataSource(dataSource)
                    .locations(dialect.migrationLocation())
                    .load()
                    .migrate();
            LOG.info("Store ready: {} ({}), schema version {}", dialect, settings.safeUrl(),
                    result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new SqlStore(dialect, dataSource);
    }

    private static SQLiteDataSource sqlite(String url) {
        String file = url.substring("jdbc:sqlite:".length());
        int query = file.indexOf('?');
        Path path = Path.of(query < 0 ? file : file.substring(0, query));
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the directory of " + path + ": " + e.getMessage(), e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(30_000);
        config.enforceForeignKeys(true);
        SQLiteDataSource dataSource = new SeriesAttachingDataSource(config, seriesFile(path));
        dataSource.setUrl(url);
        return dataSource;
    }

    /** The series database beside the main one: {@code edgeward.db} keeps its series in {@code edgeward-telemetry.db}. */
    static Path seriesFile(Path database) {
        String name = database.getFileName().toString();
        String series = name.endsWith(".db") ? name.substring(0, name.length() - 3) + "-telemetry.db" : name + "-telemetry";
        return database.resolveSibling(series);
    }

    /**
     * Attaches the series database (see {@link TelemetryLog}) to every connection the pool opens,
     * with the main database's durability: WAL and an fsync on every commit.
     */
    private static final class SeriesAttachingDataSource extends SQLiteDataSource {
        private final Path series;

        SeriesAttachingDataSource(SQLiteConfig config, Path series) {
            super(config);
            this.series = series;
        }

        @Override
        public SQLiteConnection getConnection(String username, String password) throws SQLException {
            SQLiteConnection connection = super.getConnection(username, password);
            try (Statement statement = connection.createStatement()) {
                statement.execute("ATTACH DATABASE '" + series.toAbsolutePath().toString().replace("'", "''") + "' AS "
                        + TelemetryLog.SCHEMA);
                statement.execute("PRAGMA " + TelemetryLog.SCHEMA + ".journal_mode=WAL");
                statement.execute("PRAGMA " + TelemetryLog.SCHEMA + ".synchronous=FULL");
                for (String ddl : TelemetryLog.SERIES_DDL) {
                    statement.execute(ddl);
                }
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            return connection;
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    public DeviceRepository devices() {
        return devices;
    }

    public TelemetryStore telemetry() {
        return telemetry;
    }

    public ShadowRepository shadows() {
        return shadows;
    }

    public CommandRepository commands() {
        return commands;
    }

    /** True when a connection can be had and answers; for readiness probes. */
    public boolean isHealthy() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** A pooled connection, for tests in this package that inspect connection settings. */
    Connection borrowConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void close() {
        telemetryLog.ifPresent(TelemetryLog::close);
        if (checkpointer != null) {
            checkpointer.shutdownNow();
            try {
                checkpointer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            checkpoint();
        }
        dataSource.close();
    }
}
