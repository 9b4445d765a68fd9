package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MqttUserTest {

    private final MqttUser byClientId = new MqttUser("apps", "password", List.of("apps/%c/#"), List.of("apps/%c/#"));

    @ParameterizedTest(name = "client id \"{0}\" is refused")
    @ValueSource(strings = {"+", "#", "/", "a/b", "x#", "nul\0byte", ""})
    void clientIdPlaceholder_clientIdThatIsNotOneTopicLevel_isNotAdmitted(String clientId) {
        assertThat(byClientId.admitsClientId(clientId)).isFalse();
    }

    @ParameterizedTest(name = "client id \"{0}\" is admitted")
    @ValueSource(strings = {"dash-1", "a.b", "température", "$x"})
    void clientIdPlaceholder_plainClientId_isAdmitted(String clientId) {
        assertThat(byClientId.admitsClientId(clientId)).isTrue();
    }

    @ParameterizedTest(name = "without %c any client id \"{0}\" is admitted")
    @ValueSource(strings = {"+", "#", "a/b"})
    void noClientIdPlaceholder_anyClientId_isAdmitted(String clientId) {
        assertThat(new MqttUser("apps", "password", List.of("apps/%u/#"), List.of()).admitsClientId(clientId))
                .isTrue();
    }

    @ParameterizedTest(name = "username \"{0}\" with %u is refused")
    @ValueSource(strings = {"+", "#", "a/b", "nul\0"})
    void usernamePlaceholder_usernameThatIsNotOneTopicLevel_isRefused(String username) {
        assertThatThrownBy(() -> new MqttUser(username, "password", List.of(), List.of("apps/%u/#")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("%u");
    }

    @ParameterizedTest(name = "username \"{0}\" without %u is accepted")
    @ValueSource(strings = {"+", "a/b"})
    void noUsernamePlaceholder_anyUsername_isAccepted(String username) {
        assertThat(new MqttUser(username, "password", List.of("apps/#"), List.of()).username())
                .isEqualTo(username);
    }
}
