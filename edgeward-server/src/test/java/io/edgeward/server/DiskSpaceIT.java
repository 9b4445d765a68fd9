package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A disk short of free space turns /ready red with the reason, before the store fails; the node itself keeps serving. */
class DiskSpaceIT {

    @TempDir
    Path dir;

    @Test
    void ready_isRedWithTheReason_whenTheDataDisk_hasLessFreeThanConfigured() throws Exception {
        // No disk here is 100 % free: the threshold stands in for a disk that filled up.
        try (Node node = new Node(dir, Map.of("store.min-free-disk", "100%"))) {
            HttpResponse<String> ready = node.send("GET", "/ready", null);
            assertThat(ready.statusCode()).isEqualTo(503);
            JsonNode body = Node.JSON.readTree(ready.body());
            assertThat(body.at("/checks/disk").asText()).isEqualTo("DOWN");
            assertThat(body.at("/checks/store").asText()).isEqualTo("UP");
            assertThat(body.at("/reasons/disk").asText())
                    .contains("% free")
                    .contains("below store.min-free-disk (100%)")
                    .contains(dir.toString());
            assertThat(body.at("/reasons").has("store")).isFalse();
            assertThat(node.get("/health").at("/status").asText())
                    .as("alive, only not ready")
                    .isEqualTo("UP");
        }
    }

    @Test
    void ready_isGreen_whileTheShareFreeIsAboveTheThreshold() throws Exception {
        // 0 % is met by any disk, so the test does not depend on this machine's free space.
        try (Node node = new Node(dir, Map.of("store.min-free-disk", "0%"))) {
            HttpResponse<String> ready = node.send("GET", "/ready", null);
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(Node.JSON.readTree(ready.body()).at("/checks/disk").asText())
                    .isEqualTo("UP");
        }
    }
}
