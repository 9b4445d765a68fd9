package io.edgeward.core.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SemVerTest {

    @Test
    void precedence_isTheSpecificationsExample() {
        // semver.org, item 11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2
        // < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0; and numbers compare as numbers.
        List<String> ordered = List.of(
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
                "1.9.0",
                "1.10.0",
                "2.0.0");
        List<SemVer> shuffled =
                new ArrayList<>(ordered.stream().map(SemVer::parse).toList());
        Collections.shuffle(shuffled, new Random(7));
        Collections.sort(shuffled);
        assertThat(shuffled).extracting(SemVer::toString).containsExactlyElementsOf(ordered);
    }

    @Test
    void buildMetadata_isKept_butDoesNotOrder() {
        SemVer build = SemVer.parse("2.1.0+build.7");
        assertThat(build.toString()).isEqualTo("2.1.0+build.7");
        assertThat(build.compareTo(SemVer.parse("2.1.0"))).isZero();
        assertThat(SemVer.parse("v2.1.0")).isEqualTo(SemVer.parse("2.1.0"));
    }

    @Test
    void notSemanticVersions_areRefusedSayingWhy() {
        for (String bad : List.of("2.1", "two", "01.2.3", "1.2.3-", "1.2.3-01", "", " ")) {
            assertThatThrownBy(() -> SemVer.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a semantic version");
        }
        assertThatThrownBy(() -> SemVer.parse("99999999999999999999.0.0")).isInstanceOf(IllegalArgumentException.class);
    }
}
