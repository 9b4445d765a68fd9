package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's launcher, as a user runs it: the JVM it starts is one a supervisor can rely on. */
class LauncherIT {

    private static final Path LAUNCHER =
            Path.of("..", "edgeward").toAbsolutePath().normalize();

    @Test
    void launcher_startsTheJvmThatExitsOnOutOfMemory_withABoundedHeap() throws Exception {
        assertThat(Files.isExecutable(LAUNCHER))
                .as("the launcher at %s", LAUNCHER)
                .isTrue();
        ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "--version");
        builder.environment().put("EDGEWARD_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        builder.environment().remove("EDGEWARD_HEAP");
        Process process = builder.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        List<String> flags = output.lines().toList();
        assertThat(flags).anySatisfy(line -> assertThat(line).containsPattern("bool ExitOnOutOfMemoryError\\s+= true"));
        assertThat(flags).anySatisfy(line -> assertThat(line).containsPattern("size_t MaxHeapSize\\s+= 268435456 "));
    }
}
