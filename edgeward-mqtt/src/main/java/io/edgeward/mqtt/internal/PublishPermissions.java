package io.edgeward.mqtt.internal;

import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.services.builder.Builders;

/** A {@link Principal}'s PUBLISH rights as HiveMQ default permissions; they mirror {@link Principal#mayPublish}. */
final class PublishPermissions {

    private PublishPermissions() {}

    static void apply(Principal principal, ModifiableDefaultPermissions permissions) {
        switch (principal) {
            case Principal.Device device -> {
                // HiveMQ applies the first permission that matches, so the denials come first.
                for (String owned : DeviceTopics.PLATFORM_OWNED) {
                    permissions.add(publish("device/" + device.id() + "/" + owned, TopicPermission.PermissionType.DENY));
                }
                permissions.add(publish("sensor/" + device.id() + "/#", TopicPermission.PermissionType.ALLOW));
                permissions.add(publish("device/" + device.id() + "/#", TopicPermission.PermissionType.ALLOW));
                permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
            }
            case Principal.User user -> {
                for (String pattern : user.user().publish()) {
                    String filter = pattern.replace("%u", user.user().username()).replace("%c", user.clientId());
                    permissions.add(publish(filter, TopicPermission.PermissionType.ALLOW));
                }
                permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
            }
            case Principal.Anonymous anonymous -> {
                permissions.add(publish("sensor/#", TopicPermission.PermissionType.DENY));
                permissions.add(publish("device/#", TopicPermission.PermissionType.DENY));
                permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.ALLOW);
            }
        }
    }

    private static TopicPermission publish(String filter, TopicPermission.PermissionType type) {
        return Builders.topicPermission().topicFilter(filter).type(type).activity(TopicPermission.MqttActivity.PUBLISH).build();
    }
}
