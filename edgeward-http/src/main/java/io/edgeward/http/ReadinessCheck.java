package io.edgeward.http;

import java.util.function.BooleanSupplier;

/** One named component that {@code /ready} asks: broker, store, pipeline, ... */
public record ReadinessCheck(String name, BooleanSupplier isReady) {}
