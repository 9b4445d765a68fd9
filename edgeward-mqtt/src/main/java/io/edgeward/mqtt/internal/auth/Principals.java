package io.edgeward.mqtt.internal.auth;

import com.hivemq.extension.sdk.api.parameter.ClientBasedInput;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.mqtt.MqttUser;
import java.util.Map;
import java.util.Optional;

/** Stores a connection's {@link Principal} in its attribute store and reads it back. */
public final class Principals {

    private static final String KEY = "edgeward.principal";

    private final Map<String, MqttUser> users;

    public Principals(Map<String, MqttUser> users) {
        this.users = users;
    }

    public void attach(ClientBasedInput connection, Principal principal) {
        String encoded = switch (principal) {
            case Principal.Device device -> "d:" + device.type().wireName() + ":" + device.id();
            case Principal.User user -> "u:" + user.user().username();
            case Principal.Anonymous anonymous -> "a";
        };
        connection.getConnectionInformation().getConnectionAttributeStore().putAsString(KEY, encoded);
    }

    /** The connection's principal; empty if it never authenticated through Edgeward. */
    public Optional<Principal> of(ClientBasedInput connection) {
        Optional<String> encoded = connection
                .getConnectionInformation()
                .getConnectionAttributeStore()
                .getAsString(KEY);
        if (encoded.isEmpty()) {
            return Optional.empty();
        }
        String value = encoded.get();
        return switch (value.charAt(0)) {
            case 'd' -> {
                int colon = value.indexOf(':', 2);
                yield Optional.of(new Principal.Device(
                        DeviceId.of(value.substring(colon + 1)), DeviceType.fromWire(value.substring(2, colon))));
            }
            case 'u' ->
                Optional.ofNullable(users.get(value.substring(2)))
                        .map(user -> new Principal.User(
                                user, connection.getClientInformation().getClientId()));
            case 'a' -> Optional.of(new Principal.Anonymous());
            default -> Optional.empty();
        };
    }
}
