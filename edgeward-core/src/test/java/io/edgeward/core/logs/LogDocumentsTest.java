package io.edgeward.core.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.core.device.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogDocumentsTest {

    private static final DeviceId DEVICE = DeviceId.of("pump-1");
    private static final long NOW = 1_800_000_000_000L;

    private static List<LogEntry> parse(String payload) {
        return LogDocuments.parse(DEVICE, payload.getBytes(StandardCharsets.UTF_8), NOW, 20);
    }

    @Test
    void aJsonLine_anArrayOfThem_andPlainTextLines_areRead() {
        assertThat(parse("{\"level\": \"warning\", \"message\": \"valve slow\", \"ts\": 1700000000000,"
                        + " \"fields\": {\"valve\": 3}}"))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.level()).isEqualTo(LogLevel.WARN);
                    assertThat(line.ts()).isEqualTo(1_700_000_000_000L);
                    assertThat(line.fieldsJson()).isEqualTo("{\"valve\":3}");
                });
        assertThat(parse("[{\"message\": \"a\"}, {\"level\": \"error\", \"message\": \"b\"}]"))
                .extracting(LogEntry::level, LogEntry::message, LogEntry::ts)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(LogLevel.INFO, "a", NOW),
                        org.assertj.core.groups.Tuple.tuple(LogLevel.ERROR, "b", NOW));
        assertThat(parse("booted\n\nlink up\r\n")).extracting(LogEntry::message).containsExactly("booted", "link up");
    }

    @Test
    void aLongMessage_isCutAndMarked() {
        assertThat(parse("{\"message\": \"abcdefghijklmnopqrstuvwxyz\"}")
                        .getFirst()
                        .message())
                .hasSize(20)
                .endsWith("…");
    }

    @Test
    void whatDoesNotRead_isRefusedAsMalformed_naming_why() {
        for (String bad : List.of(
                "{\"level\": \"info\"}",
                "{\"message\": 5}",
                "{\"message\": \"x\", \"level\": \"loud\"}",
                "{\"message\": \"x\", \"ts\": -1}",
                "{\"message\": \"x\", \"fields\": [1]}",
                "[1, 2]",
                "{not json",
                "   \n  ")) {
            assertThatThrownBy(() -> parse(bad))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            LogRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(LogRefusedException.Reason.MALFORMED));
        }
        assertThatThrownBy(() -> LogDocuments.parse(DEVICE, new byte[] {(byte) 0xff, (byte) 0xfe}, NOW, 100))
                .hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> LogDocuments.parse(DEVICE, new byte[LogDocuments.MAX_BYTES + 1], NOW, 100))
                .hasMessageContaining("bytes");
    }
}
