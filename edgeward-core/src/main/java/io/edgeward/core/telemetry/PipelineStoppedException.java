package io.edgeward.core.telemetry;

/** A message arrived while the pipeline was stopping; it was not stored and must not be acknowledged. */
public final class PipelineStoppedException extends RuntimeException {
    public PipelineStoppedException() {
        super("the telemetry pipeline is stopped");
    }
}
