package io.edgeward.core.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessingDocumentsTest {

    @Test
    void aFullDocument_isParsed_andWrittenBackInTheSameShape() {
        String json = """
                {"filters": [
                   {"name": "a", "match": {"metric": "t*", "tag": "x"}, "deadband": {"percent": 1.5}, "heartbeat": "5m"},
                   {"name": "b", "match": {"device": "pump-*"}, "change-driven": true, "keep-raw": false},
                   {"name": "c", "match": {"metric": "p"}, "sample": "10s"},
                   {"name": "d", "match": {"type": "sensor"}, "threshold": {"below": -10}}],
                 "windows": [
                   {"name": "w", "match": {"metric": "v"}, "size": "1m", "slide": "10s", "functions": ["mean", "stddev"]},
                   {"name": "all", "match": {"metric": "v*"}, "size": "1h", "functions": ["count"], "allowed-lateness": "0s"}]}""";
        ProcessingConfig config = ProcessingDocuments.parse(json);

        assertThat(config.filters())
                .extracting(f -> f.rule().kind())
                .containsExactly("deadband", "change-driven", "sample", "threshold");
        assertThat(config.filters().get(0).heartbeat()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.filters().get(1).keepRaw()).isFalse();
        assertThat(config.filters().get(2).rule())
                .isEqualTo(new FilterRule.Sample(Duration.ofSeconds(10), FilterRule.Keep.LAST));
        WindowSpec sliding = config.windows().get(0);
        assertThat(sliding.slide()).isEqualTo(Duration.ofSeconds(10));
        assertThat(sliding.lateness()).as("the default allowed lateness").isEqualTo(Duration.ofSeconds(5));
        assertThat(sliding.derivedMetric("v", WindowFunction.MEAN)).isEqualTo("w.mean");
        assertThat(config.windows().get(1).derivedMetric("v2", WindowFunction.COUNT))
                .as("a window over a pattern names the metric too")
                .isEqualTo("all.v2.count");
        assertThat(config.windows().get(1).slide()).as("tumbling").isEqualTo(Duration.ofHours(1));

        String written = ProcessingDocuments.toJson(config);
        assertThat(written).contains("\"sample\":{\"every\":\"10s\",\"keep\":\"last\"}");
        assertThat(ProcessingDocuments.toJson(ProcessingDocuments.parse(written)))
                .as("what is written reads back as the same configuration")
                .isEqualTo(written);
    }

    @Test
    void everyProblem_isReportedAtOnce_withItsPath() {
        assertThatThrownBy(() -> ProcessingDocuments.parse("""
                        {"filters": [
                           {"name": "1bad", "match": {"metric": "t"}, "deadband": {"absolute": 1}},
                           {"name": "x", "match": {"colour": "red"}, "deadband": {"absolute": 0}},
                           {"name": "y", "match": {"metric": "t"}},
                           {"name": "z", "match": {"metric": "t"}, "sample": {"every": "soon", "keep": "median"}},
                           {"name": "t", "match": {"metric": "t"}, "threshold": {"above": 1, "below": 5}}],
                         "windows": [
                           {"name": "x", "match": {"metric": "v"}, "size": "1m", "functions": ["mean"]},
                           {"name": "w", "match": {"metric": "v"}, "size": "1m", "slide": "7s", "functions": ["median"]}],
                         "extra": 1}"""))
                .isInstanceOf(ProcessingDocuments.InvalidProcessingException.class)
                .satisfies(e -> assertThat(((ProcessingDocuments.InvalidProcessingException) e).problems())
                        .anySatisfy(p -> assertThat(p).startsWith("filters[0].name"))
                        .anySatisfy(p -> assertThat(p).isEqualTo("filters[1].match: unknown field 'colour'"))
                        .anySatisfy(p -> assertThat(p).startsWith("filters[1].deadband: deadband.absolute must be"))
                        .anySatisfy(p -> assertThat(p).startsWith("filters[2]: a filter takes exactly one of"))
                        .anySatisfy(p -> assertThat(p).startsWith("filters[3].sample.every: not a duration"))
                        .anySatisfy(p -> assertThat(p).startsWith("filters[4].threshold: threshold.below must not"))
                        .anySatisfy(p -> assertThat(p).contains("windows[0].name: 'x' is used twice"))
                        .anySatisfy(p -> assertThat(p).startsWith("windows[1].functions: unknown function 'median'"))
                        .anySatisfy(p -> assertThat(p).startsWith("extra: unknown field")));
    }

    @Test
    void aSlideThatDoesNotDivideTheSize_isRefused() {
        assertThatThrownBy(() -> ProcessingDocuments.parse("""
                        {"windows": [{"name": "w", "match": {"metric": "v"}, "size": "1m", "slide": "7s",
                                      "functions": ["mean"]}]}"""))
                .hasMessageContaining("windows[0]: slide must be at least 1s and divide the size");
    }

    @Test
    void anEmptyDocument_isNoProcessing() {
        assertThat(ProcessingDocuments.parse("{}").isEmpty()).isTrue();
        assertThat(ProcessingDocuments.toJson(ProcessingConfig.EMPTY)).isEqualTo("{\"filters\":[],\"windows\":[]}");
    }
}
