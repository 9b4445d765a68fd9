package io.edgeward.mqtt.internal.auth;

import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import io.edgeward.core.device.DeviceType;
import io.edgeward.mqtt.internal.device.DeviceTopics;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link Principal}'s rights as HiveMQ default permissions, which the broker evaluates on its
 * own event loop; they mirror {@link Principal#mayPublish} and {@link Principal#maySubscribe}.
 *
 * <p>Why default permissions and not an {@code Authorizer}: with any authorizer provider
 * registered, HiveMQ runs a publish authorization task on the extension executor for every
 * PUBLISH, even when the authorizer only handles subscriptions: two more thread hand-offs per
 * telemetry message (at half load, JFR counted 118 samples on the extension executor with the
 * authorizer and 50 without).
 */
final class TopicPermissions {

    /**
     * The topics under a device's own tree that only the platform publishes on, denied to every
     * device with the same permission objects: a device may publish under no other device's tree
     * anyway, so {@code device/+/command} denies exactly what {@code device/<id>/command} would,
     * and 10,000 connected devices do not hold 30,000 copies of the same three rules (HiveMQ keeps
     * each permission with its filter split into levels: about 1 KiB a connection).
     */
    private volatile List<TopicPermission> deviceDenials;

    void apply(Principal principal, ModifiableDefaultPermissions permissions) {
        switch (principal) {
            case Principal.Device device -> {
                // HiveMQ applies the first permission that matches, so the denials come first.
                deviceDenials().forEach(permissions::add);
                for (String own : new String[] {"sensor/" + device.id() + "/#", "device/" + device.id() + "/#"}) {
                    permissions.add(
                            permission(own, TopicPermission.PermissionType.ALLOW, TopicPermission.MqttActivity.ALL));
                }
                if (device.type() == DeviceType.GATEWAY) {
                    // An edge behind this node: its own sync topics (edge/{id}/sync/{stream}).
                    permissions.add(permission(
                            "edge/" + device.id() + "/#",
                            TopicPermission.PermissionType.ALLOW,
                            TopicPermission.MqttActivity.ALL));
                }
                permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
            }
            case Principal.User user -> {
                for (String pattern : user.user().publish()) {
                    permissions.add(permission(
                            user.expand(pattern),
                            TopicPermission.PermissionType.ALLOW,
                            TopicPermission.MqttActivity.PUBLISH));
                }
                for (String pattern : user.user().subscribe()) {
                    permissions.add(permission(
                            user.expand(pattern),
                            TopicPermission.PermissionType.ALLOW,
                            TopicPermission.MqttActivity.SUBSCRIBE));
                }
                permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
            }
            case Principal.Anonymous anonymous -> {
                // Anyone may subscribe to anything; only the devices' topics are not theirs to publish on.
                permissions.add(permission(
                        "sensor/#", TopicPermission.PermissionType.DENY, TopicPermission.MqttActivity.PUBLISH));
                permissions.add(permission(
                        "device/#", TopicPermission.PermissionType.DENY, TopicPermission.MqttActivity.PUBLISH));
                permissions.add(permission(
                        "edge/#", TopicPermission.PermissionType.DENY, TopicPermission.MqttActivity.PUBLISH));
                permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.ALLOW);
            }
        }
    }

    /** Built on first use, when HiveMQ's builders exist; two threads racing build equal lists, and either is kept. */
    private List<TopicPermission> deviceDenials() {
        List<TopicPermission> denials = deviceDenials;
        if (denials == null) {
            denials = Arrays.stream(DeviceTopics.PLATFORM_OWNED)
                    .map(owned -> permission(
                            "device/+/" + owned,
                            TopicPermission.PermissionType.DENY,
                            TopicPermission.MqttActivity.PUBLISH))
                    .toList();
            deviceDenials = denials;
        }
        return denials;
    }

    private static TopicPermission permission(
            String filter, TopicPermission.PermissionType type, TopicPermission.MqttActivity activity) {
        return Builders.topicPermission()
                .topicFilter(filter)
                .type(type)
                .activity(activity)
                .build();
    }
}
