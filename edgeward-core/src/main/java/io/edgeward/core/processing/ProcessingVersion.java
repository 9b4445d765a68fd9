package io.edgeward.core.processing;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored version of the processing configuration.
 *
 * @param document the configuration as {@link ProcessingDocuments#toJson} writes it
 * @param author who made the change: {@code config} for the configuration file, else what the API was told
 */
public record ProcessingVersion(long version, String document, String author, Instant createdAt) {

    public ProcessingVersion {
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
