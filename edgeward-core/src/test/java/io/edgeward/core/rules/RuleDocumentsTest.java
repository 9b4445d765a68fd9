package io.edgeward.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleDocumentsTest {

    private final Conditions conditions = new Conditions();

    private CompiledRule parse(String json) {
        return RuleDocuments.parse(json, conditions);
    }

    private InvalidRuleException invalid(String json) {
        return (InvalidRuleException) org.assertj.core.api.Assertions.catchThrowable(() -> parse(json));
    }

    @Test
    void theIssuesShape_parses_andRendersBackTheSame() throws Exception {
        String json = """
                {"id": "high-temp", "name": "High temperature", "enabled": true,
                 "selector": {"devices": ["pump-*"], "type": "sensor", "tags": ["floor-2"]},
                 "metric": "temperature", "condition": "value > 80", "for": "5m",
                 "clear": "value < 75", "clear_for": "1m",
                 "actions": [{"type": "alarm", "severity": "major"},
                             {"type": "command", "command": "activate_cooling", "parameters": {"level": 2}},
                             {"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s3", "retries": 3},
                             {"type": "log", "message": "{{device.id}} at {{value}}", "on": "clear", "rate_limit": "2/1m"}]}""";
        CompiledRule rule = parse(json);
        assertThat(rule.rule().holdFor()).isEqualTo(Duration.ofMinutes(5));
        assertThat(rule.rule().clearFor()).isEqualTo(Duration.ofMinutes(1));
        assertThat(rule.rule().actions()).hasSize(4);
        assertThat(rule.rule().actions().get(3).on()).isEqualTo(RuleAction.On.CLEAR);
        assertThat(rule.rule().actions().get(3).limit()).isEqualTo(new RateLimit(2, Duration.ofMinutes(1)));
        CompiledRule again = parse(RuleDocuments.render(rule.rule()).toString());
        assertThat(again.rule()).isEqualTo(rule.rule());
    }

    @Test
    void aConditionThatDoesNotCompile_isRefusedWithItsPosition() {
        InvalidRuleException e = invalid("""
                {"id": "r", "metric": "t", "condition": "value >"}""");
        assertThat(e.problems()).singleElement().asString().startsWith("condition: ");
        assertThat(e.positions().get("condition")).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(1);
            assertThat(p.column()).isEqualTo(8);
        });
    }

    @Test
    void aConditionOfTheWrongType_orOverAnUnknownName_isRefused_withEveryProblemOfTheDocument() {
        InvalidRuleException e = invalid("""
                {"id": "r", "metric": "t", "condition": "value + 1", "clear": "humidity < 3",
                 "actions": [{"type": "alarm", "severity": "huge"}, {"type": "teleport"}]}""");
        assertThat(e.problems()).hasSize(4);
        assertThat(e.problems().get(0)).startsWith("condition: ");
        assertThat(e.problems().get(1)).startsWith("clear: ").contains("humidity");
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("actions[0]: not a severity"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("actions[1].type: expected one of"));
    }

    @Test
    void aggregates_takeLiteralArguments_andAWindowOfAtMostADay() {
        assertThat(parse("""
                        {"id": "r", "condition": "avg('temperature', '5m') > 80 && count('humidity', '1m') >= 3"}""").condition().aggregates())
                .containsExactlyInAnyOrder(
                        new Aggregate(Aggregate.Function.AVG, "temperature", Duration.ofMinutes(5)),
                        new Aggregate(Aggregate.Function.COUNT, "humidity", Duration.ofMinutes(1)));
        assertThat(invalid("""
                        {"id": "r", "condition": "avg(metric, '5m') > 80"}""").problems()).singleElement().asString().contains("literal strings");
        assertThat(invalid("""
                        {"id": "r", "condition": "max('t', '2d') > 80"}""").problems()).singleElement().asString().contains("between 1ms and 1d");
    }

    @Test
    void aRunawayExpression_isBoundedInCost() {
        CompiledRule rule = parse("""
                {"id": "r", "condition": "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, a + b + c + d > 0))))"}""");
        Condition.Context context = context(Map.of());
        assertThatThrownBy(() -> rule.condition().test(context))
                .isInstanceOf(ConditionException.class)
                .hasMessageContaining("1000");
        assertThat(invalid("{\"id\": \"r\", \"condition\": \"" + "1 + ".repeat(600) + "1 > 0\"}")
                        .problems())
                .singleElement()
                .asString()
                .startsWith("condition: ");
    }

    @Test
    void absent_watchesForSilenceAlone() {
        assertThat(parse("""
                        {"id": "quiet", "metric": "temperature", "absent": "10m"}""").rule().absent()).isEqualTo(Duration.ofMinutes(10));
        assertThat(invalid("""
                        {"id": "r", "condition": "value > 1", "absent": "10m"}""").problems()).singleElement().asString().startsWith("absent: ");
        assertThat(invalid("""
                        {"id": "r"}""").problems()).singleElement().asString().startsWith("condition: is required");
    }

    @Test
    void countWithin_isWrittenAsPeopleSayIt() {
        assertThat(parse("""
                        {"id": "r", "condition": "value > 1", "count": "3 within 10m"}""").rule().count()).isEqualTo(new Rule.CountWithin(3, Duration.ofMinutes(10)));
        assertThat(invalid("""
                        {"id": "r", "condition": "value > 1", "count": "three times"}""").problems()).singleElement().asString().startsWith("count: ");
    }

    @Test
    void unknownFields_andBadIds_areNamed() {
        InvalidRuleException e = invalid("""
                {"id": "no spaces", "condition": "value > 1", "threshold": 3}""");
        assertThat(e.problems())
                .containsExactlyInAnyOrder(
                        "threshold: unknown field (expected one of absent, actions, clear, clear_for, condition, count, description, enabled, for, id, metric, name, selector)",
                        "id: 1-64 characters of A-Z a-z 0-9 _ . -, starting with a letter or digit");
    }

    @Test
    void conditions_seeThePointTheDeviceLatestAndTheShadow() {
        Condition condition =
                conditions.compile("value > 80 && unit == 'C' && device.type == 'sensor' && 'floor-2' in device.tags "
                        + "&& latest.humidity < 30 && shadow.reported.mode == 'auto'");
        assertThat(condition.usesShadow()).isTrue();
        assertThat(condition.latestMetrics()).containsExactly("humidity");
        assertThat(condition.test(context(pointOf(85.5)))).isTrue();
        assertThat(condition.test(context(pointOf(70))))
                .as("an int, as JSON metadata holds them")
                .isFalse();
    }

    /** A hot, dry sensor on floor 2 in automatic mode, reading {@code value}. */
    private static Map<String, Object> pointOf(Object value) {
        return Map.of(
                "metric",
                "temperature",
                "value",
                value,
                "unit",
                "C",
                "ts",
                1L,
                "device",
                Map.of("type", "sensor", "tags", List.of("floor-2")),
                "latest",
                Map.of("humidity", 20.0),
                "shadow",
                Map.of("reported", Map.of("mode", "auto"), "desired", Map.of()));
    }

    private static Condition.Context context(Map<String, Object> variables) {
        return new Condition.Context() {
            @Override
            public Object variable(String name) {
                return variables.get(name);
            }

            @Override
            public double aggregate(Aggregate aggregate) {
                return Double.NaN;
            }
        };
    }
}
