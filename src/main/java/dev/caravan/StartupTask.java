package dev.caravan;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A slow piece of start-up (a key to generate, a client to build) run on a daemon thread of its own while the
 * main thread assembles the rest; {@link #get()} waits for it where it is needed, and fails as the work failed.
 */
final class StartupTask<T> {

    private final CompletableFuture<T> result = new CompletableFuture<>();

    private StartupTask() {
    }

    static <T> StartupTask<T> start(String threadName, Callable<T> work) {
        StartupTask<T> task = new StartupTask<>();
        Thread thread = new Thread(() -> {
            try {
                task.result.complete(work.call());
            } catch (Throwable failure) {
                task.result.completeExceptionally(failure);
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    /** Hands the result to {@code use} once there, if the work succeeds: for a result no one will take. */
    void whenDone(Consumer<? super T> use) {
        result.thenAccept(use);
    }

    /** The result, once there: rethrows the work's exception (checked ones as the cause of an unchecked one). */
    T get() {
        try {
            return result.join();
        } catch (CompletionException e) {
            Throwable failure = e.getCause();
            if (failure instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            if (failure instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(failure.getMessage(), failure);
        }
    }
}
