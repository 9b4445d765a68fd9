package io.edgeward.core.telemetry;

import java.util.Objects;

/** A telemetry value: a finite number, a boolean or a string. */
public sealed interface Value permits Value.Num, Value.Bool, Value.Text {

    /** The plain Java value, as rendered in JSON. */
    Object raw();

    static Value of(double number) {
        return new Num(number);
    }

    static Value of(boolean bool) {
        return new Bool(bool);
    }

    static Value of(String text) {
        return new Text(text);
    }

    record Num(double value) implements Value {
        public Num {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("telemetry numbers must be finite, got " + value);
            }
        }

        @Override
        public Object raw() {
            return value;
        }
    }

    record Bool(boolean value) implements Value {
        @Override
        public Object raw() {
            return value;
        }
    }

    record Text(String value) implements Value {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Object raw() {
            return value;
        }
    }
}
