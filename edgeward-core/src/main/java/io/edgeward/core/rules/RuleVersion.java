package io.edgeward.core.rules;

import java.time.Instant;

/**
 * One saved version of a rule.
 *
 * @param document null for the version that deleted it
 */
public record RuleVersion(String id, long version, String document, String author, Instant at) {}
