package io.edgeward.core.rules;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelLateFunctionBindings;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.edgeward.core.time.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles rule conditions: CEL (github.com/google/cel-spec) over the point ({@code metric},
 * {@code value}, {@code unit}, {@code ts}), the device ({@code device.id}, {@code .type},
 * {@code .tags}, {@code .metadata}, {@code .status}, …), its shadow ({@code shadow.reported},
 * {@code shadow.desired}), its other metrics' newest values ({@code latest.humidity}) and windowed
 * aggregates ({@code avg('temperature', '5m')}, {@code min}, {@code max}, {@code count},
 * {@code stddev}, {@code rate}). Type-checked when the rule is saved, with each error's position.
 *
 * <p>Cost is bounded: the expression's length and nesting are capped, and so are the iterations of
 * the macros ({@code all}, {@code exists}, {@code map}, {@code filter}), CEL's only loops.
 */
public final class Conditions {

    /** Characters an expression may have. */
    public static final int MAX_LENGTH = 2_000;

    static final CelOptions OPTIONS = CelOptions.current()
            .enableHeterogeneousNumericComparisons(true)
            .maxExpressionCodePointSize(MAX_LENGTH)
            .maxParseRecursionDepth(50)
            .comprehensionMaxIterations(1_000)
            .maxRegexProgramSize(200)
            .build();

    private final CelCompiler compiler;
    private final CelRuntime runtime;

    public Conditions() {
        MapType dynMap = MapType.create(SimpleType.STRING, SimpleType.DYN);
        List<CelFunctionDecl> aggregates = new ArrayList<>();
        for (Aggregate.Function function : Aggregate.Function.values()) {
            CelType result = function == Aggregate.Function.COUNT ? SimpleType.INT : SimpleType.DOUBLE;
            aggregates.add(CelFunctionDecl.newFunctionDeclaration(
                    function.wireName(),
                    CelOverloadDecl.newGlobalOverload(
                            overload(function), result, SimpleType.STRING, SimpleType.STRING)));
        }
        this.compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("metric", SimpleType.STRING)
                .addVar("value", SimpleType.DYN)
                .addVar("unit", SimpleType.STRING)
                .addVar("ts", SimpleType.INT)
                .addVar("device", dynMap)
                .addVar("shadow", dynMap)
                .addVar("latest", dynMap)
                .addFunctionDeclarations(aggregates)
                .setResultType(SimpleType.BOOL)
                .build();
        this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
                .setOptions(OPTIONS)
                .build();
    }

    /**
     * @throws ConditionException with every problem's position when the expression does not
     *     parse, does not type-check to a boolean, or calls an aggregate with other than two
     *     literal strings, the second a duration
     */
    public Condition compile(String source) {
        if (source == null || source.isBlank()) {
            throw new ConditionException(source, "an expression is required", List.of());
        }
        if (source.length() > MAX_LENGTH) {
            throw new ConditionException(source, "longer than " + MAX_LENGTH + " characters", List.of());
        }
        CelValidationResult result = compiler.compile(source);
        if (result.hasError()) {
            throw invalid(source, result.getErrors());
        }
        CelAbstractSyntaxTree ast;
        CelRuntime.Program program;
        try {
            ast = result.getAst();
            program = runtime.createProgram(ast);
        } catch (CelValidationException | CelEvaluationException e) {
            throw new ConditionException(source, e.getMessage(), List.of());
        }
        Map<String, Aggregate> calls = new HashMap<>();
        Set<String> latest = new LinkedHashSet<>();
        boolean[] usesShadow = {false};
        List<ConditionException.Position> problems = new ArrayList<>();
        CelNavigableAst.fromAst(ast)
                .getRoot()
                .allNodes()
                .map(CelNavigableExpr::expr)
                .forEach(expr -> {
                    if (expr.getKind() == CelExpr.ExprKind.Kind.CALL) {
                        aggregateCall(ast, expr, calls, problems);
                    } else if (expr.getKind() == CelExpr.ExprKind.Kind.SELECT
                            && expr.select().operand().getKind() == CelExpr.ExprKind.Kind.IDENT
                            && expr.select().operand().ident().name().equals("latest")) {
                        latest.add(expr.select().field());
                    } else if (expr.getKind() == CelExpr.ExprKind.Kind.IDENT
                            && expr.ident().name().equals("shadow")) {
                        usesShadow[0] = true;
                    }
                });
        if (!problems.isEmpty()) {
            throw new ConditionException(source, problems.getFirst().message(), problems);
        }
        return new Condition(source, program, calls, latest, usesShadow[0]);
    }

    private static void aggregateCall(
            CelAbstractSyntaxTree ast,
            CelExpr expr,
            Map<String, Aggregate> calls,
            List<ConditionException.Position> problems) {
        Aggregate.Function function = function(expr.call().function());
        if (function == null) {
            return;
        }
        List<CelExpr> args = expr.call().args();
        String metric = literal(args.get(0));
        String window = literal(args.get(1));
        Duration duration = null;
        String problem = null;
        if (metric == null || window == null) {
            problem = function.wireName() + "() takes a metric and a window as literal strings, e.g. "
                    + function.wireName() + "('temperature', '5m')";
        } else {
            try {
                duration = Durations.parse(window);
                if (duration.isZero() || duration.compareTo(Duration.ofDays(1)) > 0) {
                    problem = function.wireName() + "(): the window must be between 1ms and 1d";
                }
            } catch (IllegalArgumentException e) {
                problem = function.wireName() + "(): '" + window + "' is " + e.getMessage();
            }
        }
        if (problem != null) {
            var location = ast.getSource()
                    .getOffsetLocation(ast.getSource().getPositionsMap().getOrDefault(expr.id(), 0));
            problems.add(new ConditionException.Position(
                    location.map(l -> l.getLine()).orElse(1),
                    location.map(l -> l.getColumn() + 1).orElse(1),
                    problem));
            return;
        }
        calls.put(key(function, metric, window), new Aggregate(function, metric, duration));
    }

    private static String literal(CelExpr expr) {
        return expr.getKind() == CelExpr.ExprKind.Kind.CONSTANT
                        && expr.constant().getKind() == dev.cel.common.ast.CelConstant.Kind.STRING_VALUE
                ? expr.constant().stringValue()
                : null;
    }

    private static Aggregate.Function function(String name) {
        for (Aggregate.Function function : Aggregate.Function.values()) {
            if (function.wireName().equals(name)) {
                return function;
            }
        }
        return null;
    }

    private static String overload(Aggregate.Function function) {
        return function.wireName() + "_string_string";
    }

    private static String key(Aggregate.Function function, String metric, String window) {
        return function.wireName() + '\u0000' + metric + '\u0000' + window;
    }

    /**
     * A value as CEL's types have it: integers as {@code long}, decimals as {@code double}, through
     * maps and lists. JSON read into Java (metadata, a shadow) holds {@code Integer}s, which CEL's
     * operators do not take. Maps and lists are copied: convert them once, not per evaluation.
     */
    static Object celValue(Object value) {
        return switch (value) {
            case Map<?, ?> map when map.isEmpty() -> map;
            case Integer i -> i.longValue();
            case Short n -> n.longValue();
            case Byte n -> n.longValue();
            case Float f -> f.doubleValue();
            case java.math.BigDecimal d -> d.doubleValue();
            case java.math.BigInteger b -> b.longValue();
            case Map<?, ?> map -> {
                Map<Object, Object> converted = new java.util.LinkedHashMap<>();
                map.forEach((k, v) -> converted.put(k, celValue(v)));
                yield converted;
            }
            case List<?> list -> list.stream().map(Conditions::celValue).toList();
            case null -> null;
            default -> value;
        };
    }

    /** A variable's own value as CEL's types have it; what it contains is converted beforehand ({@link #celValue}). */
    static Object celScalar(Object value) {
        return value instanceof Map<?, ?> || value instanceof List<?> ? value : celValue(value);
    }

    /** Binds the aggregate functions to what {@code context} holds, for one evaluation. */
    static CelLateFunctionBindings bindings(Condition.Context context, Map<String, Aggregate> calls) {
        List<CelFunctionBinding> bindings = new ArrayList<>();
        for (Aggregate.Function function : Aggregate.Function.values()) {
            bindings.add(CelFunctionBinding.from(overload(function), String.class, String.class, (metric, window) -> {
                Aggregate aggregate = calls.get(key(function, metric, window));
                double value = context.aggregate(aggregate);
                return function == Aggregate.Function.COUNT ? (Object) (long) value : (Object) value;
            }));
        }
        return CelLateFunctionBindings.from(bindings);
    }

    private static ConditionException invalid(String source, List<CelIssue> issues) {
        List<ConditionException.Position> positions = issues.stream()
                .map(issue -> new ConditionException.Position(
                        Math.max(1, issue.getSourceLocation().getLine()),
                        issue.getSourceLocation().getColumn() + 1,
                        issue.getMessage()))
                .toList();
        ConditionException.Position first = positions.getFirst();
        return new ConditionException(
                source, first.message() + " (line " + first.line() + ", column " + first.column() + ")", positions);
    }
}
