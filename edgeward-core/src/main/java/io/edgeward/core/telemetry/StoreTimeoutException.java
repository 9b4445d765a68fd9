package io.edgeward.core.telemetry;

import java.time.Duration;

/** A message waited longer than the pipeline's commit timeout: the store did not answer in time. */
public final class StoreTimeoutException extends RuntimeException {

    public StoreTimeoutException(Duration timeout) {
        super("the store did not commit within " + timeout);
    }
}
