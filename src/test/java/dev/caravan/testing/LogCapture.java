package dev.caravan.testing;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** Captures what one class logs (through SLF4J to Log4j 2), for asserting on what a component reports. */
public final class LogCapture implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext context;
    private final String loggerName;
    private final AbstractAppender appender;
    private final boolean ownLogger;

    public LogCapture(Class<?> type) {
        this(type.getName());
    }

    /** Captures the logger of that name (the access log's, {@code caravan.access}, whose events hold lines). */
    public LogCapture(String name) {
        this.context = (LoggerContext) LogManager.getContext(false);
        this.loggerName = name;
        this.appender = new AbstractAppender("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        LoggerConfig configured = config.getLoggers().get(loggerName);
        // a logger log4j2.properties configures (the access log's) keeps its configuration: the capture is added to it
        ownLogger = configured == null;
        if (ownLogger) {
            LoggerConfig logger = new LoggerConfig(loggerName, Level.ALL, false);
            logger.addAppender(appender, Level.ALL, null);
            config.addLogger(loggerName, logger);
        } else {
            configured.addAppender(appender, Level.ALL, null);
        }
        context.updateLoggers();
    }

    /** Every line logged so far, as {@code LEVEL message}. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    public List<String> warnings() {
        return lines.stream().filter(line -> line.startsWith("WARN ")).toList();
    }

    public void clear() {
        lines.clear();
    }

    @Override
    public void close() {
        if (ownLogger) {
            context.getConfiguration().removeLogger(loggerName);
        } else {
            context.getConfiguration().getLoggers().get(loggerName).removeAppender(appender.getName());
        }
        context.updateLoggers();
        appender.stop();
    }
}
