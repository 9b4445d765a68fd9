package io.edgeward.core.rules;

import java.util.List;

/** A condition that does not compile or type-check, or failed as it was evaluated. */
public final class ConditionException extends IllegalArgumentException {

    /** Where in the expression: 1-based line and column, as an editor shows them. */
    public record Position(int line, int column, String message) {}

    private final String expression;
    private final List<Position> positions;

    ConditionException(String expression, String message, List<Position> positions) {
        super(message);
        this.expression = expression;
        this.positions = List.copyOf(positions);
    }

    public String expression() {
        return expression;
    }

    /** Every problem with its position; empty for a failure at evaluation. */
    public List<Position> positions() {
        return positions;
    }
}
