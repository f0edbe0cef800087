package dev.caravan.cli;

/** A command line, property or environment value Caravan cannot start with; its message is one line for stderr. */
public final class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
