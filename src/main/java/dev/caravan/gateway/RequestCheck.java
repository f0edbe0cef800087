package dev.caravan.gateway;

import java.util.function.Consumer;

/**
 * Something a request waits for before it goes on — external authentication, an interceptor route — that
 * runs off the event loop and calls back once with its {@link Verdict}, on any thread.
 */
@FunctionalInterface
interface RequestCheck {

    void check(RequestHead head, Consumer<Verdict> done);
}
