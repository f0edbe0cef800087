package dev.caravan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class StartupTaskTest {

    @Test
    void runsOnItsOwnNamedThreadAndHandsOverTheResult() {
        StartupTask<String> task = StartupTask.start("caravan-test-task", () -> Thread.currentThread().getName());

        assertThat(task.get()).isEqualTo("caravan-test-task");
    }

    @Test
    void failsWhereTheResultIsNeededAsTheWorkFailed() {
        StartupTask<String> unchecked = StartupTask.start("caravan-test-task", () -> {
            throw new IllegalArgumentException("bad option");
        });
        StartupTask<String> checked = StartupTask.start("caravan-test-task", () -> {
            throw new IOException("kubeconfig unreadable");
        });

        assertThatThrownBy(unchecked::get).isInstanceOf(IllegalArgumentException.class).hasMessage("bad option");
        assertThatThrownBy(checked::get).isInstanceOf(IllegalStateException.class)
                .hasMessage("kubeconfig unreadable").hasCauseInstanceOf(IOException.class);
    }
}
