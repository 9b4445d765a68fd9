package io.edgeward.core.rules;

/**
 * A rule with its conditions compiled: what the engine and a replay run.
 *
 * @param condition null for a rule that watches for absence alone
 * @param clear null when the rule clears as its condition stops holding
 */
public record CompiledRule(Rule rule, Condition condition, Condition clear) {

    public String id() {
        return rule.id();
    }
}
