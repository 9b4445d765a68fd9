package io.edgeward.core.command;

public final class CommandNotFoundException extends RuntimeException {
    public CommandNotFoundException(String id) {
        super("no command '" + id + "' for this device");
    }
}
