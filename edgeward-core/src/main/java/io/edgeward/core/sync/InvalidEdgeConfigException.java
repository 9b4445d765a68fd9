package io.edgeward.core.sync;

import java.util.List;

/** An edge configuration document that cannot be applied; every problem listed. */
public final class InvalidEdgeConfigException extends IllegalArgumentException {

    private final List<String> problems;

    public InvalidEdgeConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
