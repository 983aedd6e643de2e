package dev.walarchive.cli;

import java.util.List;
import java.util.logging.Level;

/**
 * Configures slf4j-simple before the first logger exists: quiet (warnings only) by default, as
 * PostgreSQL calls us once per file; {@code -v} or {@code WALARCHIVE_LOG_LEVEL=info} gives one line
 * per action.
 */
final class Logging {
  private static boolean verbose;

  private Logging() {}

  static void configure(List<String> args, String envLevel) {
    verbose = args.contains("-v") || args.contains("--verbose");
    String level = verbose ? "info" : envLevel == null ? "warn" : envLevel.toLowerCase();
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
    if ("info".equals(level)) {
      // the library logs each file pushed or fetched at DEBUG; -v means one line per action
      setIfAbsent("org.slf4j.simpleLogger.log.dev.walarchive.core.WalArchive", "debug");
    }
    setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.showLogName", "false");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "false");
    setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
    setIfAbsent(
        "org.slf4j.simpleLogger.log.software.amazon", "warn".equals(level) ? "error" : "warn");
    setIfAbsent("org.slf4j.simpleLogger.log.com.azure", "warn".equals(level) ? "error" : "warn");
    java.util.logging.Logger.getLogger("").setLevel(verbose ? Level.WARNING : Level.SEVERE);
  }

  static boolean verbose() {
    return verbose;
  }

  private static void setIfAbsent(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }
}
