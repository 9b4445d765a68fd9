package io.edgeward.core.rules;

/** A change based on a version of the rule that is no longer the one in force; carries the current one. */
public final class RuleConflictException extends RuntimeException {

    private final String id;
    private final long expected;
    private final long current;

    public RuleConflictException(String id, long expected, long current) {
        super(
                expected == 0
                        ? "a rule '" + id + "' exists (version " + current
                                + "): replace it with PUT, or choose another id"
                        : "rule '" + id + "' is at version " + current + ", not " + expected
                                + (current == 0 ? " (it does not exist)" : "") + ": read it again and retry");
        this.id = id;
        this.expected = expected;
        this.current = current;
    }

    public String id() {
        return id;
    }

    /** The version the change was based on; 0 for a creation. */
    public long expected() {
        return expected;
    }

    /** The version in force; 0 when the rule does not exist. */
    public long current() {
        return current;
    }
}
