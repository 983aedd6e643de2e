package dev.walarchive.core.retention;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.wal.WalFileName;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which base backups a retention run keeps. A backup is kept if any rule keeps it (the rules
 * combine as a union); the WAL the kept backups need is then kept by {@link RetentionPlanner}.
 *
 * <ul>
 *   <li>{@link Builder#keepBackups(int) keep the newest N}: the N backups that stopped last;
 *   <li>{@link Builder#recoveryWindow(Duration) a recovery window D}: any point in time in the last
 *       D stays restorable, so every backup that stopped within the window is kept, and so is the
 *       newest backup that stopped at or before its start (the window's anchor, the backup a
 *       restore to the oldest point in the window starts from);
 *   <li>{@link Builder#pin(String) pinned backups}: never expired, whatever their age.
 * </ul>
 *
 * <p>Backups are named by their backup history file ({@code
 * 000000010000000000000002.00000028.backup}). A policy needs a count or a window (pins alone would
 * let every other backup expire, so they are not enough). Either rule always keeps the newest
 * backup.
 *
 * <p>The text form ({@link #parse}, {@link #toString}) is a comma-separated list such as {@code
 * keep=2,window=7d,pin=000000010000000000000002.00000028.backup}.
 */
public final class RetentionPolicy {
  private final int keepBackups; // 0: no count rule
  private final Duration recoveryWindow; // null: no window
  private final Set<WalFileName> pinned;

  private RetentionPolicy(Builder builder) {
    this.keepBackups = builder.keepBackups;
    this.recoveryWindow = builder.recoveryWindow;
    this.pinned = Collections.unmodifiableSet(new TreeSet<>(builder.pinned));
  }

  /** Returns a builder with no rules and no pins. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses the text form: comma-separated items {@code keep=N} (N at least 1), {@code window=D}
   * (see {@link #parseDuration}) and {@code pin=NAME} (a backup history file name, any number of
   * times). Spaces around items are ignored.
   *
   * @throws IllegalArgumentException naming the bad item, or if neither keep nor window is given
   */
  public static RetentionPolicy parse(String text) {
    requireNonNull(text, "text is null");
    Builder builder = builder();
    boolean keepSeen = false;
    boolean windowSeen = false;
    for (String raw : text.split(",", -1)) {
      String item = raw.strip();
      int equals = item.indexOf('=');
      String key = equals < 0 ? item : item.substring(0, equals).strip();
      String value = equals < 0 ? "" : item.substring(equals + 1).strip();
      if (equals < 0 || value.isEmpty()) {
        throw new IllegalArgumentException(
            "invalid retention policy item "
                + quote(item)
                + " in "
                + quote(text)
                + ": expected keep=N, window=D (such as 7d) or pin=NAME, separated by commas");
      }
      switch (key) {
        case "keep" -> {
          if (keepSeen) {
            throw new IllegalArgumentException("keep is given twice in " + quote(text));
          }
          keepSeen = true;
          builder.keepBackups(parseCount(value));
        }
        case "window" -> {
          if (windowSeen) {
            throw new IllegalArgumentException("window is given twice in " + quote(text));
          }
          windowSeen = true;
          builder.recoveryWindow(parseDuration(value));
        }
        case "pin" -> builder.pin(value);
        default ->
            throw new IllegalArgumentException(
                "unknown retention policy item "
                    + quote(key)
                    + " in "
                    + quote(text)
                    + ": expected keep, window or pin");
      }
    }
    if (!keepSeen && !windowSeen) {
      throw new IllegalArgumentException(
          "invalid retention policy "
              + quote(text)
              + ": it needs keep=N or window=D; pins alone would let every other backup expire");
    }
    return builder.build();
  }

  private static int parseCount(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "invalid number of backups to keep " + quote(value) + ": expected a whole number >= 1");
    }
  }

  /**
   * Parses a window length as every duration in walarchive is written ({@link
   * OptionValues#parseDuration}): a whole number followed by {@code ms}, {@code s}, {@code m},
   * {@code h}, {@code d} or {@code w} (milliseconds, seconds, minutes, hours, days of 24 hours,
   * weeks), such as {@code 7d}, {@code 1w} or {@code 36h}, or an ISO-8601 duration such as {@code
   * P7D} or {@code PT36H}. It must be positive.
   *
   * @throws IllegalArgumentException naming the text if it is not such a duration
   */
  public static Duration parseDuration(String text) {
    requireNonNull(text, "text is null");
    return OptionValues.parseDuration("recovery window", text);
  }

  /** Formats a duration the way {@link #parseDuration} reads it, in the largest exact unit. */
  static String formatDuration(Duration duration) {
    return OptionValues.formatDuration(duration);
  }

  /** Returns how many of the newest backups are kept, if the policy counts backups. */
  public OptionalInt keepBackups() {
    return keepBackups == 0 ? OptionalInt.empty() : OptionalInt.of(keepBackups);
  }

  /** Returns the recovery window, if the policy has one. */
  public Optional<Duration> recoveryWindow() {
    return Optional.ofNullable(recoveryWindow);
  }

  /** Returns the pinned backups (backup history file names), in name order. */
  public Set<WalFileName> pinned() {
    return pinned;
  }

  /** Returns a builder that starts from this policy. */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.keepBackups = keepBackups;
    builder.recoveryWindow = recoveryWindow;
    builder.pinned.addAll(pinned);
    return builder;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RetentionPolicy o
        && o.keepBackups == keepBackups
        && java.util.Objects.equals(o.recoveryWindow, recoveryWindow)
        && o.pinned.equals(pinned);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(keepBackups, recoveryWindow, pinned);
  }

  /**
   * Returns the text form, which {@link #parse} reads back: such as {@code keep=2,window=7d} or
   * {@code window=36h,pin=000000010000000000000002.00000028.backup}.
   */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    if (keepBackups != 0) {
      text.append("keep=").append(keepBackups);
    }
    if (recoveryWindow != null) {
      text.append(text.length() == 0 ? "" : ",").append("window=");
      text.append(formatDuration(recoveryWindow));
    }
    for (WalFileName pin : pinned) {
      text.append(",pin=").append(pin);
    }
    return text.toString();
  }

  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length() && i < 120; i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append(text.length() > 120 ? "...\"" : "\"").toString();
  }

  /**
   * Builds a {@link RetentionPolicy}. Every setter checks its argument at once. Defaults: no count
   * rule, no recovery window, no pinned backups; {@link #build()} needs a count or a window.
   */
  public static final class Builder {
    private int keepBackups;
    private Duration recoveryWindow;
    private final Set<WalFileName> pinned = new TreeSet<>();

    private Builder() {}

    /**
     * Keeps the {@code n} newest backups (by the time they stopped). Default: no count rule.
     *
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    public Builder keepBackups(int n) {
      if (n < 1) {
        throw new IllegalArgumentException(
            "invalid number of backups to keep: " + n + "; expected 1 or more");
      }
      keepBackups = n;
      return this;
    }

    /**
     * Keeps every point in time of the last {@code window} restorable. Default: no window.
     *
     * @throws IllegalArgumentException if {@code window} is zero or negative
     */
    public Builder recoveryWindow(Duration window) {
      requireNonNull(window, "window is null");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException(
            "invalid recovery window " + window + ": it must be longer than zero");
      }
      recoveryWindow = window;
      return this;
    }

    /**
     * Pins a backup, named by its backup history file ({@code
     * 000000010000000000000002.00000028.backup}), so that it never expires. Default: none.
     *
     * @throws IllegalArgumentException naming the input if it is not a backup history file name
     */
    public Builder pin(String backupName) {
      pinned.add(backupName(backupName));
      return this;
    }

    /**
     * Pins a backup; see {@link #pin(String)}.
     *
     * @throws IllegalArgumentException if {@code backupName} is not a backup history file name
     */
    public Builder pin(WalFileName backupName) {
      requireNonNull(backupName, "backupName is null");
      return pin(backupName.name());
    }

    /**
     * Removes a pin; nothing happens if the backup was not pinned.
     *
     * @throws IllegalArgumentException naming the input if it is not a backup history file name
     */
    public Builder unpin(String backupName) {
      pinned.remove(backupName(backupName));
      return this;
    }

    private static WalFileName backupName(String backupName) {
      requireNonNull(backupName, "backupName is null");
      WalFileName name;
      try {
        name = WalFileName.parse(backupName);
      } catch (IllegalArgumentException e) {
        name = null;
      }
      if (name == null || name.kind() != WalFileName.Kind.BACKUP_HISTORY) {
        throw new IllegalArgumentException(
            "invalid backup name "
                + quote(backupName)
                + ": a backup is named by its backup history file, such as"
                + " 000000010000000000000002.00000028.backup");
      }
      return name;
    }

    /**
     * Returns the policy.
     *
     * @throws IllegalStateException if neither {@link #keepBackups} nor {@link #recoveryWindow} was
     *     set
     */
    public RetentionPolicy build() {
      if (keepBackups == 0 && recoveryWindow == null) {
        throw new IllegalStateException(
            "a retention policy needs a number of backups to keep (keep=N) or a recovery window"
                + " (window=D); pins alone would let every other backup expire");
      }
      return new RetentionPolicy(this);
    }
  }
}
