package io.edgeward.server;

import java.util.Map;

/** Device management end to end on the embedded SQLite store. */
class DeviceManagementSqliteIT extends DeviceManagementScenarios {

    @Override
    Map<String, String> storeSettings() {
        return Map.of();
    }
}
