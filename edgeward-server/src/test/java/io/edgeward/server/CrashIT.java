package io.edgeward.server;

/** {@link CrashScenarios} on the embedded SQLite store. */
class CrashIT extends CrashScenarios {}
