package io.edgeward.http.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Set;

/** Body of {@code POST /api/v1/devices}. Unknown properties are refused, so typos do not pass silently. */
record CreateDeviceRequest(
        @JsonProperty("device_id") String deviceId,
        @JsonProperty("name") String name,
        @JsonProperty("type") String type,
        @JsonProperty("model") String model,
        @JsonProperty("firmware_version") String firmwareVersion,
        @JsonProperty("location") String location,
        @JsonProperty("metadata") Map<String, Object> metadata,
        @JsonProperty("tags") Set<String> tags,
        @JsonProperty("edge") String edge) {}
