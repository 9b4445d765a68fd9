package io.edgeward.http;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One named component that {@code /ready} asks: broker, store, pipeline, disk, ...
 *
 * @param problem what is wrong, for the operator, or {@code null} while the component is ready
 */
public record ReadinessCheck(String name, Supplier<String> problem) {

    /** A check that is only up or down, without a reason to give. */
    public static ReadinessCheck of(String name, BooleanSupplier isReady) {
        return new ReadinessCheck(name, () -> isReady.getAsBoolean() ? null : "not ready");
    }
}
