package dev.walarchive.core.restore;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.TimelineHistory;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Which timeline a recovery follows: PostgreSQL's {@code recovery_target_timeline}, {@code latest}
 * (the newest timeline whose history file is archived; PostgreSQL's default), {@code current} (the
 * base backup's own timeline) or a timeline number.
 */
public final class RecoveryTimeline {
  private static final RecoveryTimeline LATEST = new RecoveryTimeline("latest", 0);
  private static final RecoveryTimeline CURRENT = new RecoveryTimeline("current", 0);

  private final String setting;
  private final long timeline;

  private RecoveryTimeline(String setting, long timeline) {
    this.setting = setting;
    this.timeline = timeline;
  }

  /** The newest timeline whose history file is in the archive (timeline 1 if there is none). */
  public static RecoveryTimeline latest() {
    return LATEST;
  }

  /** The timeline the base backup was taken on. */
  public static RecoveryTimeline current() {
    return CURRENT;
  }

  /**
   * Timeline {@code timeline}.
   *
   * @throws IllegalArgumentException if it is not from 1 to 2^32-1
   */
  public static RecoveryTimeline of(long timeline) {
    if (timeline < 1 || timeline > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(
          "invalid timeline " + timeline + ": expected 1 to 4294967295");
    }
    return new RecoveryTimeline(Long.toString(timeline), timeline);
  }

  /**
   * Parses {@code latest}, {@code current} or a decimal timeline number (PostgreSQL also accepts no
   * other forms).
   *
   * @throws IllegalArgumentException naming the text otherwise
   */
  public static RecoveryTimeline parse(String text) {
    requireNonNull(text, "text is null");
    if (text.equals("latest")) {
      return LATEST;
    }
    if (text.equals("current")) {
      return CURRENT;
    }
    if (text.matches("[1-9][0-9]{0,9}")) {
      long n = Long.parseLong(text);
      if (n <= 0xFFFF_FFFFL) {
        return of(n);
      }
    }
    throw new IllegalArgumentException(
        "invalid target timeline '" + text + "': expected latest, current or a timeline number");
  }

  /** The number of a fixed timeline; empty for {@code latest} and {@code current}. */
  public OptionalLong number() {
    return timeline == 0 ? OptionalLong.empty() : OptionalLong.of(timeline);
  }

  /**
   * The timeline a recovery from a backup on {@code backupTimeline} aims at, given the archived
   * timeline histories: the newest history's timeline for {@code latest}, as PostgreSQL's {@code
   * findNewestTimeLine} finds it (never older than the backup's), the backup's for {@code current}.
   */
  public long resolve(long backupTimeline, Map<Long, TimelineHistory> histories) {
    requireNonNull(histories, "histories is null");
    if (this == CURRENT) {
      return backupTimeline;
    }
    if (timeline != 0) {
      return timeline;
    }
    long newest = backupTimeline;
    for (long t : histories.keySet()) {
      newest = Math.max(newest, t);
    }
    return newest;
  }

  /** PostgreSQL's setting value: {@code latest}, {@code current} or the number. */
  public String setting() {
    return setting;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RecoveryTimeline t && t.setting.equals(setting);
  }

  @Override
  public int hashCode() {
    return setting.hashCode();
  }

  /** Returns {@link #setting()}. */
  @Override
  public String toString() {
    return setting;
  }
}
