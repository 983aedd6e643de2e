package dev.walarchive.postgres;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of one check.
 *
 * @param name short stable name of the check, e.g. {@code archive_mode} or {@code end_to_end}
 * @param state whether it passed
 * @param message what was found, in one line
 * @param fix what to do about it, in one line; empty when there is nothing to do
 */
public record CheckResult(String name, State state, String message, String fix) {
  /** Whether a check passed. */
  public enum State {
    /** Passed. */
    OK,
    /** Passed, but something deserves a look (the check as a whole still passes). */
    WARNING,
    /** Failed: archiving does not work, or cannot be shown to work. */
    FAILED
  }

  public CheckResult {
    requireNonNull(name, "name is null");
    requireNonNull(state, "state is null");
    requireNonNull(message, "message is null");
    requireNonNull(fix, "fix is null");
  }

  static CheckResult ok(String name, String message) {
    return new CheckResult(name, State.OK, message, "");
  }

  static CheckResult warning(String name, String message, String fix) {
    return new CheckResult(name, State.WARNING, message, fix);
  }

  static CheckResult failed(String name, String message, String fix) {
    return new CheckResult(name, State.FAILED, message, fix);
  }
}
