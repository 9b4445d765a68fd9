package io.edgeward.mqtt.internal.auth;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.mqtt.MqttUser;
import io.edgeward.mqtt.internal.Topics;
import io.edgeward.mqtt.internal.device.DeviceTopics;
import java.util.List;

/**
 * Who is behind an MQTT connection, decided once at CONNECT, and what they may touch.
 * Kept in the connection's attribute store so every later decision on that connection agrees.
 */
public sealed interface Principal {

    boolean mayPublish(String topic);

    boolean maySubscribe(String filter);

    /**
     * A registered device: its own {@code sensor/{id}/#} and {@code device/{id}/#}, nothing else;
     * it may not publish on the topics the platform answers on.
     */
    record Device(DeviceId id, DeviceType type) implements Principal {
        @Override
        public boolean mayPublish(String topic) {
            // A topic name has no wildcards, so a prefix test suffices; it runs for every PUBLISH.
            // The platform's own topics (commands, shadow answers) are not the device's to publish.
            return under(topic, "sensor/")
                    || (under(topic, "device/") && !DeviceTopics.platformOwned(topic, id))
                    || (type == DeviceType.GATEWAY && under(topic, "edge/"));
        }

        @Override
        public boolean maySubscribe(String filter) {
            return own(Topics.unshared(filter));
        }

        private boolean under(String topic, String root) {
            String device = id.value();
            int end = root.length() + device.length();
            return topic.startsWith(root)
                    && topic.startsWith(device, root.length())
                    && (topic.length() == end || topic.charAt(end) == '/');
        }

        private boolean own(String topicOrFilter) {
            return Topics.covers("sensor/" + id + "/#", topicOrFilter)
                    || Topics.covers("device/" + id + "/#", topicOrFilter)
                    || (type == DeviceType.GATEWAY && Topics.covers("edge/" + id + "/#", topicOrFilter));
        }
    }

    /** An operator-defined user with ACL patterns from the configuration. */
    record User(MqttUser user, String clientId) implements Principal {
        @Override
        public boolean mayPublish(String topic) {
            return anyCovers(user.publish(), topic);
        }

        @Override
        public boolean maySubscribe(String filter) {
            return anyCovers(user.subscribe(), Topics.unshared(filter));
        }

        /** The pattern with {@code %u} (username) and {@code %c} (client id) filled in. */
        String expand(String pattern) {
            return pattern.replace("%u", user.username()).replace("%c", clientId);
        }

        private boolean anyCovers(List<String> patterns, String topicOrFilter) {
            for (String pattern : patterns) {
                if (Topics.covers(expand(pattern), topicOrFilter)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A client without credentials, admitted only with {@code mqtt.allow-anonymous}. It may use
     * any topic as a general broker would, read device topics, but not publish into the device
     * namespaces: that would let anyone impersonate a device.
     */
    record Anonymous() implements Principal {
        @Override
        public boolean mayPublish(String topic) {
            return !Topics.covers("sensor/#", topic)
                    && !Topics.covers("device/#", topic)
                    && !Topics.covers("edge/#", topic);
        }

        @Override
        public boolean maySubscribe(String filter) {
            return true;
        }
    }
}
