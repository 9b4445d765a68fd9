package io.edgeward.device;

import java.util.random.RandomGenerator;

/**
 * A plausible sensor signal: a daily cycle around a base value, a random walk on top, and a rare
 * anomaly (a spike a few standard deviations out) so that rules and alarms have something to find.
 */
final class SensorModel {

    enum Kind {
        TEMPERATURE("temperature", "°C", 21.0, 3.0, 0.05, 10.0),
        HUMIDITY("humidity", "%", 45.0, 8.0, 0.2, 25.0),
        PRESSURE("pressure", "hPa", 1013.0, 2.0, 0.05, 15.0),
        VIBRATION("vibration", "mm/s", 2.0, 0.5, 0.05, 8.0);

        final String metric;
        final String unit;
        final double base;
        final double dailyAmplitude;
        final double step;
        final double spike;

        Kind(String metric, String unit, double base, double dailyAmplitude, double step, double spike) {
            this.metric = metric;
            this.unit = unit;
            this.base = base;
            this.dailyAmplitude = dailyAmplitude;
            this.step = step;
            this.spike = spike;
        }
    }

    private static final double ANOMALY_PROBABILITY = 0.002;
    private static final double DAY_MILLIS = 86_400_000.0;

    private final Kind kind;
    private final RandomGenerator random;
    private final double phase;
    private double walk;

    SensorModel(Kind kind, RandomGenerator random) {
        this.kind = kind;
        this.random = random;
        this.phase = random.nextDouble() * Math.PI / 4;
    }

    Kind kind() {
        return kind;
    }

    /** The next reading at {@code epochMillis}, rounded to two decimals. */
    double next(long epochMillis) {
        walk += random.nextGaussian() * kind.step;
        walk = Math.max(-kind.dailyAmplitude, Math.min(kind.dailyAmplitude, walk));
        double daily = kind.dailyAmplitude
                * Math.sin(2 * Math.PI * (epochMillis % (long) DAY_MILLIS) / DAY_MILLIS - Math.PI / 2 + phase);
        double value = kind.base + daily + walk;
        if (random.nextDouble() < ANOMALY_PROBABILITY) {
            value += (random.nextBoolean() ? 1 : -1) * kind.spike;
        }
        if (kind == Kind.VIBRATION || kind == Kind.HUMIDITY) {
            value = Math.max(0, value);
        }
        return Math.round(value * 100) / 100.0;
    }
}
