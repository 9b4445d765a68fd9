package io.edgeward.store.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.edgeward.core.command.CommandRepository;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.platform.StorePorts;
import io.edgeward.core.shadow.ShadowRepository;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TelemetryWriter;
import io.edgeward.store.sql.internal.PointValues;
import io.edgeward.store.sql.internal.RollupBackfill;
import io.edgeward.store.sql.internal.RollupMaintainer;
import io.edgeward.store.sql.internal.SqlAlarmRepository;
import io.edgeward.store.sql.internal.SqlCommandRepository;
import io.edgeward.store.sql.internal.SqlDeviceLogs;
import io.edgeward.store.sql.internal.SqlDeviceRepository;
import io.edgeward.store.sql.internal.SqlEdgeConfigs;
import io.edgeward.store.sql.internal.SqlFirmwareRepository;
import io.edgeward.store.sql.internal.SqlOutbox;
import io.edgeward.store.sql.internal.SqlProcessedStream;
import io.edgeward.store.sql.internal.SqlProcessingConfigRepository;
import io.edgeward.store.sql.internal.SqlRolloutRepository;
import io.edgeward.store.sql.internal.SqlRuleJournal;
import io.edgeward.store.sql.internal.SqlRuleRepository;
import io.edgeward.store.sql.internal.SqlShadowRepository;
import io.edgeward.store.sql.internal.SqlTelemetryStore;
import io.edgeward.store.sql.internal.TelemetryLog;
import io.edgeward.store.sql.internal.Writes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
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
 *
 * <p>{@link #open} migrates and connects; {@link #start()} starts SQLite's background threads (the
 * WAL checkpointer and the telemetry log's merger), which the store works without until then.
 */
public final class SqlStore implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(SqlStore.class);
    private static final long CHECKPOINT_PERIOD_MS = 1000;

    private final Dialect dialect;
    private final HikariDataSource dataSource;
    private final SqlDeviceRepository devices;
    private final SqlTelemetryStore telemetry;
    private final SqlShadowRepository shadows;
    private final SqlCommandRepository commands;
    private final SqlProcessedStream stream;
    private final SqlProcessingConfigRepository processingConfigs;
    private final SqlRuleRepository rules;
    private final SqlRuleJournal ruleJournal;
    private final SqlAlarmRepository alarms;
    private final SqlFirmwareRepository firmware;
    private final SqlRolloutRepository rollouts;
    private final Threads threads;
    private final Optional<TelemetryLog> telemetryLog;
    private final Optional<RollupMaintainer> rollupMaintainer;
    private ScheduledExecutorService checkpointer;
    private final SqlOutbox outbox;
    private final SqlEdgeConfigs edgeConfigs;
    private final SqlDeviceLogs deviceLogs;
    private boolean started;
    private boolean closed;

    private SqlStore(Dialect dialect, HikariDataSource dataSource, Threads threads) {
        this.dialect = dialect;
        this.dataSource = dataSource;
        this.threads = threads;
        Jdbi jdbi = Jdbi.create(dataSource);
        Writes writes = new Writes(jdbi, dialect == Dialect.SQLITE);
        this.stream = new SqlProcessedStream(jdbi, writes, Clock.systemUTC(), dialect == Dialect.SQLITE);
        this.devices = new SqlDeviceRepository(jdbi, writes);
        this.outbox = new SqlOutbox(jdbi, writes, Clock.systemUTC());
        this.edgeConfigs = new SqlEdgeConfigs(jdbi, writes);
        this.deviceLogs = new SqlDeviceLogs(jdbi, writes, outbox);
        if (dialect == Dialect.SQLITE) {
            this.telemetryLog = Optional.of(new TelemetryLog(jdbi, writes));
            this.rollupMaintainer = Optional.empty();
            this.telemetry = new SqlTelemetryStore(jdbi, writes, stream, outbox, telemetryLog.get());
        } else {
            this.telemetryLog = Optional.empty();
            this.rollupMaintainer = Optional.of(new RollupMaintainer(jdbi));
            this.telemetry = new SqlTelemetryStore(jdbi, writes, stream, outbox, rollupMaintainer.get());
        }
        this.shadows = new SqlShadowRepository(jdbi, writes);
        this.commands = new SqlCommandRepository(jdbi, writes);

        this.processingConfigs = new SqlProcessingConfigRepository(jdbi, writes);
        this.rules = new SqlRuleRepository(jdbi, writes);
        this.ruleJournal = new SqlRuleJournal(jdbi, writes);
        this.alarms = new SqlAlarmRepository(jdbi, writes);
        this.firmware = new SqlFirmwareRepository(jdbi, writes);
        this.rollouts = new SqlRolloutRepository(jdbi, writes);
    }

    /**
     * SQLite's automatic WAL checkpoint runs inside whichever commit crosses the threshold, which
     * is the telemetry writer's group commit, and every acknowledgement waiting on it pays for
     * copying the WAL into the database. Auto-checkpoint is off on the pool's connections; this
     * thread checkpoints in PASSIVE mode, which never blocks the writer.
     */
    @Override
    public synchronized void start() {
        if (closed || started) {
            return;
        }
        started = true;
        rollupMaintainer.ifPresent(m -> m.start(threads.platform("rollups")));
        if (dialect != Dialect.SQLITE) {
            return;
        }
        telemetryLog.orElseThrow().start(threads.platform("series-merge"));
        checkpointer = Executors.newSingleThreadScheduledExecutor(threads.platform("sqlite-checkpoint"));
        checkpointer.scheduleWithFixedDelay(
                this::checkpoint, CHECKPOINT_PERIOD_MS, CHECKPOINT_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private void checkpoint() {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException | RuntimeException e) {
            LOG.debug("WAL checkpoint skipped: {}", e.getMessage());
        }
    }

    /** Applies pending migrations and opens the pool; {@link #start()} starts the background threads. */
    public static SqlStore open(StoreSettings settings, Threads threads) {
        Dialect dialect = Dialect.fromUrl(settings.url());
        HikariConfig config = new HikariConfig();
        config.setPoolName("edgeward-store");
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(1);
        config.setConnectionTimeout(30_000);
        if (dialect == Dialect.SQLITE) {
            Path database = sqliteFile(settings.url());
            migrateSeriesFile(seriesFile(database));
            config.setDataSource(sqlite(settings.url(), database));
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
                    .javaMigrations(
                            dialect == Dialect.POSTGRESQL
                                    ? new RollupBackfill[] {new RollupBackfill("5")}
                                    : new RollupBackfill[0])
                    .load()
                    .migrate();
            LOG.info(
                    "Store ready: {} ({}), schema version {}",
                    dialect,
                    settings.safeUrl(),
                    result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new SqlStore(dialect, dataSource, threads);
    }

    /** The database file of a SQLite URL, its directory created. */
    private static Path sqliteFile(String url) {
        String file = url.substring("jdbc:sqlite:".length());
        int query = file.indexOf('?');
        Path path = Path.of(query < 0 ? file : file.substring(0, query));
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the directory of " + path + ": " + e.getMessage(), e);
        }
        return path;
    }

    private static SQLiteConfig sqliteConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(30_000);
        config.enforceForeignKeys(true);
        // The merger stages each chunk in temporary tables (ChunkRollups): in memory, never a file.
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        return config;
    }

    private static SQLiteDataSource sqlite(String url, Path database) {
        SQLiteDataSource dataSource = new SeriesAttachingDataSource(sqliteConfig(), seriesFile(database));
        dataSource.setUrl(url);
        return dataSource;
    }

    /**
     * The series file has a schema history of its own: it is migrated alone, before the main
     * database's connections attach it (the main database's migrations may read it). A file from
     * before this history, whose tables every connection used to create, is baselined below
     * version 1, whose statements leave existing tables as they are.
     */
    private static void migrateSeriesFile(Path series) {
        SQLiteDataSource dataSource = new SQLiteDataSource(sqliteConfig());
        dataSource.setUrl("jdbc:sqlite:" + series);
        var result = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/series/sqlite")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .javaMigrations(new RollupBackfill("3"), new PointValues.Migration())
                .load()
                .migrate();
        LOG.debug("Series file {} at schema version {}", series, result.targetSchemaVersion);
    }

    /** The series database beside the main one: {@code edgeward.db} keeps its series in {@code edgeward-telemetry.db}. */
    static Path seriesFile(Path database) {
        String name = database.getFileName().toString();
        String series =
                name.endsWith(".db") ? name.substring(0, name.length() - 3) + "-telemetry.db" : name + "-telemetry";
        return database.resolveSibling(series);
    }

    /**
     * Attaches the series database (see {@link TelemetryLog}) to every connection the pool opens,
     * with the main database's durability: WAL and an fsync on every commit. Its schema is
     * migrated before the pool opens.
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
                statement.execute("ATTACH DATABASE '"
                        + series.toAbsolutePath().toString().replace("'", "''") + "' AS " + TelemetryLog.SCHEMA);
                statement.execute("PRAGMA " + TelemetryLog.SCHEMA + ".journal_mode=WAL");
                statement.execute("PRAGMA " + TelemetryLog.SCHEMA + ".synchronous=FULL");
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

    /** Every port this store implements, for {@code Platform.builder}. */
    public StorePorts ports() {
        return new StorePorts(
                devices,
                shadows,
                commands,
                telemetry,
                telemetry,
                telemetry,
                stream,
                processingConfigs,
                rules,
                ruleJournal,
                alarms,
                firmware,
                rollouts,
                outbox,
                edgeConfigs,
                deviceLogs);
    }

    public TelemetryWriter telemetryWriter() {
        return telemetry;
    }

    public TelemetryReader telemetryReader() {
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

    /** Stops the merger after a last merge, checkpoints, and closes the pool. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        telemetryLog.ifPresent(TelemetryLog::close);
        rollupMaintainer.ifPresent(RollupMaintainer::close);
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
