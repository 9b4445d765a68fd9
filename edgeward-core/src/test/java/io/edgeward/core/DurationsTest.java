package io.edgeward.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.core.time.Durations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parse_shortFormsAndIso() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse(" 2h ")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(Durations.parse("5y")).isEqualTo(Duration.ofDays(5 * 365));
        assertThat(Durations.parse("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void parse_garbage_isRefusedWithTheAcceptedForms() {
        assertThatThrownBy(() -> Durations.parse("soon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("30s");
        assertThatThrownBy(() -> Durations.parse("5 minutes")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void format_theShortestExactForm_thatParseReadsBack() {
        assertThat(Durations.format(Duration.ofDays(5 * 365))).isEqualTo("5y");
        assertThat(Durations.format(Duration.ofDays(14))).isEqualTo("2w");
        assertThat(Durations.format(Duration.ofDays(30))).isEqualTo("30d");
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("PT0.5S");
        for (String text : new String[] {"5y", "2w", "30d", "90m", "45s"}) {
            assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
        }
    }
}
