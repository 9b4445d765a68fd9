package io.edgeward.core.shadow;

/** One kept version of a shadow, with who wrote it. */
public record ShadowVersion(Shadow shadow, ChangedBy changedBy, String clientToken) {}
