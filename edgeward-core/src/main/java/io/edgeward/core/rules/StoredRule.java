package io.edgeward.core.rules;

import java.time.Instant;

/** A rule's document in force, with its version and who saved it when. */
public record StoredRule(String id, String document, long version, String author, Instant updatedAt) {}
