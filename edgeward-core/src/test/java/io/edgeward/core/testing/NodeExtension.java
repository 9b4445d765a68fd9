package io.edgeward.core.testing;

import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.platform.StorePorts;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A node for integration tests as a JUnit extension, in a temporary data directory deleted
 * afterwards: on a static {@code @RegisterExtension} field it serves the whole class, on an
 * instance field each test. Subclasses start and stop what the node is made of.
 */
public abstract class NodeExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private boolean running;
    private boolean perTest;
    /** The node's data directory while it exists. */
    protected Path dir;

    /** Threads of every test node, named apart from the application's. */
    protected final Threads threads = Threads.named("test");

    /**
     * The node's domain as the application builds it, over the store's ports, with what tests
     * want faster: last-seen times and statuses written every 200 ms instead of every 5 s.
     */
    protected Platform.Builder platform(StorePorts ports, Lifecycles parts, MeterRegistry meters) {
        return Platform.builder(ports, parts).meters(meters).threads(threads).lastSeenFlush(Duration.ofMillis(200));
    }

    /** Starts the node on {@link #dir}. */
    protected abstract void start();

    /** Stops the node, leaving its data. */
    protected abstract void stop();

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        create();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!running) {
            perTest = true; // registered on an instance field: a node for each test
            create();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            destroy();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        destroy();
    }

    /** Stops the node and starts it again on the same data, as a restarted process would. */
    public void restart() {
        stop();
        start();
    }

    public Path dir() {
        return dir;
    }

    private void create() throws IOException {
        dir = Files.createTempDirectory("edgeward-it-");
        start();
        running = true;
    }

    private void destroy() {
        if (!running) {
            return;
        }
        running = false;
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
