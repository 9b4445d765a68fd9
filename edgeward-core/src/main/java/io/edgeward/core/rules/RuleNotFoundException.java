package io.edgeward.core.rules;

/** No rule has that id. */
public final class RuleNotFoundException extends RuntimeException {

    private final String id;

    public RuleNotFoundException(String id) {
        super("no rule '" + id + "'");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
