package io.edgeward.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.coap.CoapSettings;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.http.HttpSettings;
import io.edgeward.mqtt.BrokerSettings;
import io.edgeward.store.sql.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void defaults_areTheDocumentedEdgeDefaults() {
        Configuration config = Configuration.defaults();
        assertThat(config.get(BrokerSettings.PORT)).isEqualTo(1883);
        assertThat(config.get(HttpSettings.PORT)).isEqualTo(8080);
        assertThat(config.get(Keys.DATA_DIR)).isEqualTo(Path.of("./data"));
        assertThat(config.get(BrokerSettings.ALLOW_ANONYMOUS)).isFalse();
        assertThat(config.get(TelemetryLimits.MAX_PAYLOAD)).isEqualTo(256 * 1024);
        assertThat(config.get(HttpSettings.ADMIN_TOKEN)).isEmpty();
        assertThat(config.source(BrokerSettings.PORT)).isEqualTo("default");
    }

    @Test
    void precedence_fileThenEnvironmentThenFlags() throws Exception {
        Path file = Files.writeString(dir.resolve("edgeward.yaml"), """
                mqtt:
                  port: 1884
                  allow-anonymous: true
                http.port: 9000
                telemetry:
                  max-future-skew: 5m
                """);
        Configuration config = Configuration.load(
                file,
                Map.of("EDGEWARD_HTTP_PORT", "9001", "EDGEWARD_MQTT_ALLOW_ANONYMOUS", "false", "UNRELATED", "x"),
                Map.of("mqtt.port", "1885"));
        assertThat(config.get(BrokerSettings.PORT)).isEqualTo(1885);
        assertThat(config.source(BrokerSettings.PORT)).isEqualTo("command line");
        assertThat(config.get(HttpSettings.PORT)).isEqualTo(9001);
        assertThat(config.source(HttpSettings.PORT)).isEqualTo("EDGEWARD_HTTP_PORT");
        assertThat(config.get(BrokerSettings.ALLOW_ANONYMOUS)).isFalse();
        assertThat(config.get(TelemetryLimits.MAX_FUTURE_SKEW)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void environmentNames_followTheKeyPath() {
        assertThat(BrokerSettings.ALLOW_ANONYMOUS.envName()).isEqualTo("EDGEWARD_MQTT_ALLOW_ANONYMOUS");
        assertThat(Keys.DATA_DIR.envName()).isEqualTo("EDGEWARD_DATA_DIR");
        assertThat(StoreSettings.URL.envName()).isEqualTo("EDGEWARD_STORE_URL");
        assertThat(TelemetryLimits.MAX_PAYLOAD.envName()).isEqualTo("EDGEWARD_TELEMETRY_MAX_PAYLOAD_BYTES");
        assertThat(CoapSettings.PLAIN_TOKEN_AUTH.envName()).isEqualTo("EDGEWARD_COAP_PLAIN_TOKEN_AUTH");
        assertThat(CoapSettings.DTLS_PORT.envName()).isEqualTo("EDGEWARD_COAP_DTLS_PORT");
    }

    @Test
    void coap_defaultsAndOverrides() {
        Configuration defaults = Configuration.defaults();
        assertThat(defaults.get(CoapSettings.PORT)).isEqualTo(5683);
        assertThat(defaults.get(CoapSettings.DTLS_PORT)).isEqualTo(5684);
        assertThat(defaults.get(CoapSettings.PLAIN_TOKEN_AUTH)).isFalse();
        Configuration set = Configuration.load(
                null,
                Map.of("EDGEWARD_COAP_PLAIN_TOKEN_AUTH", "true", "EDGEWARD_COAP_PORT", "15683"),
                Map.of("coap.dtls-port", "0"));
        assertThat(set.get(CoapSettings.PLAIN_TOKEN_AUTH)).isTrue();
        assertThat(set.get(CoapSettings.PORT)).isEqualTo(15683);
        assertThat(set.get(CoapSettings.DTLS_PORT)).isZero();
        assertThatThrownBy(() -> Configuration.load(null, Map.of("EDGEWARD_COAP_PLAIN_TOKEN_AUTH", "maybe"), Map.of()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("coap.plain-token-auth");
    }

    @Test
    void invalidValues_areAllReportedTogether_withTheirSource() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                mqtt:
                  prot: 1883
                http:
                  port: 70000
                """);
        assertThatThrownBy(() -> Configuration.load(
                        file,
                        Map.of("EDGEWARD_MQTT_PORT", "abc", "EDGEWARD_TELEMETRY_MAX_FUTURE_SKEW", "soon"),
                        Map.of("admin.token", "short")))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.problems()).hasSize(5);
                    assertThat(e.getMessage()).contains("Invalid configuration (5 problems)");
                    assertThat(e.problems())
                            .anySatisfy(p -> assertThat(p).contains("mqtt.prot").contains("did you mean mqtt.port?"));
                    assertThat(p(e, "http.port"))
                            .contains("70000")
                            .contains(file.toString())
                            .contains("between 0 and 65535");
                    assertThat(p(e, "mqtt.port")).contains("EDGEWARD_MQTT_PORT").contains("not an integer");
                    assertThat(p(e, "telemetry.max-future-skew")).contains("not a duration");
                    assertThat(p(e, "admin.token")).contains("command line").contains("at least 16");
                });
    }

    @Test
    void minFreeDisk_takesAPercentage_withOrWithoutTheSign_andRefusesMoreThan100() {
        assertThat(Configuration.load(null, Map.of(), Map.of("store.min-free-disk", "7%"))
                        .get(Keys.MIN_FREE_DISK))
                .isEqualTo(7);
        assertThat(Configuration.load(null, Map.of("EDGEWARD_STORE_MIN_FREE_DISK", "12"), Map.of())
                        .get(Keys.MIN_FREE_DISK))
                .isEqualTo(12);
        assertThatThrownBy(() -> Configuration.load(null, Map.of(), Map.of("store.min-free-disk", "150%")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("store.min-free-disk")
                .hasMessageContaining("between 0 and 100");
    }

    @Test
    void payloadLimit_mustLeaveRoomBelowPacketLimit() {
        assertThatThrownBy(() -> Configuration.load(null, Map.of(), Map.of("telemetry.max-payload-bytes", "1MiB")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("mqtt.max-packet-size");
    }

    @Test
    void mqttUsers_fromYamlOrJsonVariable() throws Exception {
        Path file = Files.writeString(dir.resolve("users.yaml"), """
                mqtt:
                  users:
                    - username: dashboard
                      password: dash-secret
                      subscribe: ["sensor/+/telemetry"]
                      publish: ["apps/%u/#"]
                """);
        Configuration fromFile = Configuration.load(file, Map.of(), Map.of());
        assertThat(fromFile.get(BrokerSettings.USERS)).singleElement().satisfies(user -> {
            assertThat(user.username()).isEqualTo("dashboard");
            assertThat(user.subscribe()).containsExactly("sensor/+/telemetry");
            assertThat(user.publish()).containsExactly("apps/%u/#");
        });
        Configuration fromEnv = Configuration.load(null, Map.of("EDGEWARD_MQTT_USERS", """
                        [{"username":"bridge","password":"bridge-secret","subscribe":["#"]}]"""), Map.of());
        assertThat(fromEnv.get(BrokerSettings.USERS))
                .extracting(u -> u.username())
                .containsExactly("bridge");
    }

    @Test
    void mqttUsers_invalidEntries_areReported() {
        assertThatThrownBy(() -> Configuration.load(null, Map.of("EDGEWARD_MQTT_USERS", """
                                [{"username":"","password":"x","publish":["a/#/b"]}]"""), Map.of()))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p).contains("username is required"))
                                .anySatisfy(p -> assertThat(p).contains("at least 8"))
                                .anySatisfy(p -> assertThat(p).contains("'a/#/b' is not a valid MQTT topic filter")));
    }

    @Test
    void mqttUsers_usernameWithWildcard_whereTheAclUsesUsernamePlaceholder_isReported() {
        assertThatThrownBy(() -> Configuration.load(null, Map.of("EDGEWARD_MQTT_USERS", """
                                [{"username":"a+b","password":"long-enough","publish":["apps/%u/#"]}]"""), Map.of()))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p)
                                        .startsWith("mqtt.users (from EDGEWARD_MQTT_USERS): [0]")
                                        .contains("%u")
                                        .contains("'+'")
                                        .as("a password is never echoed")
                                        .doesNotContain("long-enough")));
    }

    @Test
    void sizesAndDurations_acceptUnits() {
        Configuration config = Configuration.load(
                null,
                Map.of(),
                Map.of(
                        "telemetry.max-payload-bytes",
                        "128KiB",
                        "mqtt.max-packet-size",
                        "2MiB",
                        "mqtt.store-timeout",
                        "PT30S"));
        assertThat(config.get(TelemetryLimits.MAX_PAYLOAD)).isEqualTo(128 * 1024);
        assertThat(config.get(BrokerSettings.MAX_PACKET_SIZE)).isEqualTo(2 * 1024 * 1024);
        assertThat(config.get(BrokerSettings.STORE_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void missingOrBrokenFile_isAProblem() throws Exception {
        assertThatThrownBy(() -> Configuration.load(dir.resolve("nope.yaml"), Map.of(), Map.of()))
                .hasMessageContaining("no such file");
        Path broken = Files.writeString(dir.resolve("broken.yaml"), "mqtt: [unclosed");
        assertThatThrownBy(() -> Configuration.load(broken, Map.of(), Map.of())).hasMessageContaining("not valid YAML");
    }

    private static String p(ConfigurationException e, String key) {
        return e.problems().stream()
                .filter(p -> p.startsWith(key + " "))
                .findFirst()
                .orElse("<no problem for " + key + ">");
    }
}
