package io.edgeward.core.rules;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A compiled, type-checked condition. Evaluating it has no side effect and a bounded cost (CEL
 * has no loops but its macros, whose iterations {@link Conditions} caps).
 *
 * @param calls the windowed aggregates it calls, by their text in the expression
 * @param latestMetrics the metrics it reads through {@code latest.<metric>}
 * @param usesShadow whether it reads {@code shadow}, which is then looked up for each evaluation
 */
public record Condition(
        String source,
        CelRuntime.Program program,
        Map<String, Aggregate> calls,
        Set<String> latestMetrics,
        boolean usesShadow) {

    public Condition {
        calls = Map.copyOf(calls);
        latestMetrics = Set.copyOf(latestMetrics);
    }

    /** What a condition sees; built once per point, for every rule that evaluates it. */
    public interface Context {
        /** The variable's value ({@code value}, {@code device}, …), or null when it has none. */
        Object variable(String name);

        /** The value of {@code aggregate} as the condition's point sees it; NaN when no point is in the window. */
        double aggregate(Aggregate aggregate);
    }

    /** The windowed aggregates it calls, which the engine keeps points for. */
    public Set<Aggregate> aggregates() {
        return Set.copyOf(calls.values());
    }

    /**
     * @throws ConditionException when evaluation fails (a missing key, a type the expression did
     *     not expect at run time, a cost bound reached) or does not give a boolean
     */
    public boolean test(Context context) {
        Object result;
        try {
            // A resolver, not a map: CEL copies a map of variables into its own for every evaluation.
            CelVariableResolver variables = name -> Optional.ofNullable(Conditions.celScalar(context.variable(name)));
            result = calls.isEmpty()
                    ? program.eval(variables)
                    : program.eval(variables, Conditions.bindings(context, calls));
        } catch (CelEvaluationException e) {
            throw new ConditionException(source, e.getMessage(), List.of());
        }
        if (result instanceof Boolean holds) {
            return holds;
        }
        throw new ConditionException(source, "gave " + result + ", not a boolean", List.of());
    }
}
