package io.edgeward.core.rules;

/** No alarm has that id. */
public final class AlarmNotFoundException extends RuntimeException {

    private final String id;

    public AlarmNotFoundException(String id) {
        super("no alarm '" + id + "'");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
