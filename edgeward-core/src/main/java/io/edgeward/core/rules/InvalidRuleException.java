package io.edgeward.core.rules;

import java.util.List;
import java.util.Map;

/** A rule document with problems: every one, each with its path, and the conditions' positions for an editor. */
public final class InvalidRuleException extends IllegalArgumentException {

    private final List<String> problems;
    private final Map<String, List<ConditionException.Position>> positions;

    public InvalidRuleException(List<String> problems, Map<String, List<ConditionException.Position>> positions) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
        this.positions = Map.copyOf(positions);
    }

    public List<String> problems() {
        return problems;
    }

    /** By field ({@code condition}, {@code clear}): where in the expression each problem is. */
    public Map<String, List<ConditionException.Position>> positions() {
        return positions;
    }
}
