package dev.walarchive.core.restore;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The recovery settings of a restored data directory: the signal file ({@code recovery.signal}, or
 * {@code standby.signal} for a standby) and the lines appended to {@code postgresql.auto.conf}
 * ({@code restore_command}, {@code recovery_target_*}, {@code recovery_target_timeline}, {@code
 * recovery_target_action} and any extra settings), as {@code pg_basebackup -R} appends its own. The
 * recovery settings the backup's own {@code postgresql.auto.conf} holds (left there by an earlier
 * recovery of the backed-up server) are commented out first: see {@link #writeTo(Path)}. Immutable;
 * made by {@link #builder(String)}.
 *
 * <p>Values are quoted as PostgreSQL's {@code ALTER SYSTEM} quotes them (a quote and a backslash
 * doubled), so the server reads back exactly the value given; a value with a line break or NUL is
 * refused. Never put secrets into these settings: the file is readable by whoever can read the data
 * directory and is copied into every later base backup.
 */
public final class RecoveryConfiguration {
  /** What the server does when it reaches the target ({@code recovery_target_action}). */
  public enum Action {
    /** End recovery and start a new timeline, accepting writes. */
    PROMOTE,
    /** Stay in recovery, read-only, until {@code pg_wal_replay_resume()} (PostgreSQL's default). */
    PAUSE,
    /** Shut the server down, so that recovery can be run again with another target. */
    SHUTDOWN;

    /** The setting's value: {@code promote}, {@code pause} or {@code shutdown}. */
    public String setting() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code promote}, {@code pause} or {@code shutdown} (any case).
     *
     * @throws IllegalArgumentException naming the text otherwise
     */
    public static Action parse(String text) {
      requireNonNull(text, "text is null");
      for (Action a : values()) {
        if (a.setting().equalsIgnoreCase(text)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "invalid target action '" + text + "': expected promote, pause or shutdown");
    }
  }

  /** The file PostgreSQL's recovery reads its settings from, in the data directory. */
  public static final String AUTO_CONF = "postgresql.auto.conf";

  /** The signal file of a recovery that ends (targeted or at the end of the archive). */
  public static final String RECOVERY_SIGNAL = "recovery.signal";

  /** The signal file of a standby, which keeps fetching WAL. */
  public static final String STANDBY_SIGNAL = "standby.signal";

  /**
   * The prefix {@link #writeTo(Path)} puts before a line of {@code postgresql.auto.conf} that sets
   * one of the {@link #DISABLED_SETTINGS}.
   */
  public static final String DISABLED_PREFIX = "# disabled by walarchive restore: ";

  /**
   * The settings an earlier recovery may have left in {@code postgresql.auto.conf} that {@link
   * #writeTo(Path)} comments out before it appends its own: PostgreSQL's archive recovery and
   * recovery target settings, and the standby's connection to a primary.
   */
  public static final Set<String> DISABLED_SETTINGS =
      Set.of(
          "restore_command",
          "archive_cleanup_command",
          "recovery_end_command",
          "recovery_target",
          "recovery_target_lsn",
          "recovery_target_name",
          "recovery_target_time",
          "recovery_target_xid",
          "recovery_target_inclusive",
          "recovery_target_timeline",
          "recovery_target_action",
          "primary_conninfo",
          "primary_slot_name");

  /**
   * PostgreSQL's recovery targets, at most one of which may be set; the ones a configuration does
   * not set are written empty, so that none set in {@code postgresql.conf} adds a second.
   */
  private static final List<String> TARGET_SETTINGS =
      List.of(
          "recovery_target",
          "recovery_target_lsn",
          "recovery_target_name",
          "recovery_target_time",
          "recovery_target_xid");

  /**
   * The name a configuration file line sets, as PostgreSQL's guc-file.l reads it (an identifier at
   * the start, not part of a qualified {@code ext.name}), in text read as ISO-8859-1 (bytes
   * 0x80-0xFF are letters there).
   */
  private static final Pattern SETTING_LINE =
      Pattern.compile(
          "^[ \\t\\r\\f]*([A-Za-z_\\x80-\\xff][A-Za-z0-9_\\x80-\\xff]*)(?![A-Za-z0-9_.\\x80-\\xff])");

  private static final String PARTIAL_SUFFIX = ".walarchive-partial";

  private static final Pattern SETTING_NAME = Pattern.compile("[a-z_][a-z0-9_.]*");

  private final String restoreCommand;
  private final RecoveryTarget target;
  private final RecoveryTimeline timeline;
  private final Action action;
  private final boolean standby;
  private final Map<String, String> extra;
  private final String comment;

  private RecoveryConfiguration(Builder b) {
    this.restoreCommand = b.restoreCommand;
    this.target = b.target;
    this.timeline = b.timeline;
    this.action = b.action;
    this.standby = b.standby;
    this.extra = Map.copyOf(b.extra);
    this.comment = b.comment;
  }

  /**
   * Starts a configuration with its {@code restore_command}, such as {@code '/opt/walarchive/bin/
   * walarchive' wal-fetch --config /etc/walarchive/walarchive.properties %f %p} (see {@link
   * #commandLine}).
   *
   * @throws IllegalArgumentException if the command lacks {@code %f} or {@code %p}, or has a line
   *     break
   */
  public static Builder builder(String restoreCommand) {
    return new Builder(restoreCommand);
  }

  /**
   * Builds a shell command line for {@code restore_command} from {@code arguments}, which are
   * quoted for the shell PostgreSQL runs it with ({@code /bin/sh -c}) where they need it, with
   * every {@code %} doubled (PostgreSQL replaces {@code %f}, {@code %p}, {@code %r} and {@code %%}
   * in the command), followed by {@code %f %p}: {@code [/opt/walarchive/bin/walarchive, wal-fetch,
   * --config, /etc/my config]} becomes {@code /opt/walarchive/bin/walarchive wal-fetch --config
   * '/etc/my config' %f %p}.
   *
   * @throws IllegalArgumentException if an argument is empty or holds a line break or NUL
   */
  public static String commandLine(List<String> arguments) {
    requireNonNull(arguments, "arguments is null");
    if (arguments.isEmpty()) {
      throw new IllegalArgumentException("the restore command needs a program");
    }
    StringBuilder line = new StringBuilder();
    for (String a : arguments) {
      requireNonNull(a, "an argument is null");
      if (a.isEmpty() || a.indexOf('\n') >= 0 || a.indexOf('\r') >= 0 || a.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "restore command argument '" + a + "' is empty or has a line break or NUL");
      }
      String escaped = a.replace("%", "%%");
      line.append(escaped.matches("[A-Za-z0-9_./=:@,+%-]+") ? escaped : shellQuote(escaped));
      line.append(' ');
    }
    return line.append("%f %p").toString();
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * Quotes {@code value} as a PostgreSQL configuration file string: {@code it's} becomes {@code
   * 'it''s'} and a backslash is doubled.
   *
   * @throws IllegalArgumentException if it holds a line break or NUL
   */
  public static String quote(String value) {
    requireNonNull(value, "value is null");
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a setting's value must be one line without NUL");
    }
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  /** Returns the {@code restore_command}. */
  public String restoreCommand() {
    return restoreCommand;
  }

  /** Returns where recovery stops. */
  public RecoveryTarget target() {
    return target;
  }

  /** Returns the timeline recovery follows. */
  public RecoveryTimeline timeline() {
    return timeline;
  }

  /** Returns whether the server starts as a standby ({@code standby.signal}). */
  public boolean standby() {
    return standby;
  }

  /**
   * Returns the signal file this configuration writes: {@code recovery.signal} or {@code
   * standby.signal}.
   */
  public String signalFile() {
    return standby ? STANDBY_SIGNAL : RECOVERY_SIGNAL;
  }

  /**
   * Returns the settings in the order they are written, values unquoted: {@code restore_command},
   * every recovery target setting other than the target's own, empty ({@code recovery_target},
   * {@code recovery_target_lsn}, {@code recovery_target_name}, {@code recovery_target_time}, {@code
   * recovery_target_xid}: all of them for {@link RecoveryTarget#latest()}), the target's setting,
   * {@code recovery_target_timeline}, {@code recovery_target_action} (with a target only), then the
   * extra settings in name order.
   *
   * <p>The empty values come before the target because PostgreSQL refuses to start ("multiple
   * recovery targets specified") if one is set while another is still set from an earlier line:
   * written so, they override any target set in {@code postgresql.conf}, which PostgreSQL reads
   * before {@code postgresql.auto.conf}.
   */
  public Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("restore_command", restoreCommand);
    Map<String, String> own = target.settings();
    for (String t : TARGET_SETTINGS) {
      if (!own.containsKey(t)) {
        s.put(t, "");
      }
    }
    s.putAll(own);
    s.put("recovery_target_timeline", timeline.setting());
    if (target.kind() != RecoveryTarget.Kind.LATEST) {
      s.put("recovery_target_action", (action == null ? Action.PAUSE : action).setting());
    }
    new java.util.TreeMap<>(extra).forEach(s::put);
    return s;
  }

  /**
   * Returns the text appended to {@code postgresql.auto.conf}: a comment line, if one was given,
   * then one {@code name = 'value'} line per {@linkplain #settings() setting}.
   */
  public String autoConfText() {
    StringBuilder text = new StringBuilder();
    if (comment != null) {
      text.append("# ").append(comment).append('\n');
    }
    settings().forEach((n, v) -> text.append(n).append(" = ").append(quote(v)).append('\n'));
    return text.toString();
  }

  /**
   * Writes this configuration into the data directory {@code dataDirectory}: rewrites {@code
   * postgresql.auto.conf} with every line that sets one of the {@link #DISABLED_SETTINGS} commented
   * out (prefixed with {@value #DISABLED_PREFIX}; names in any case, other lines kept byte for
   * byte) and {@link #autoConfText()} appended, creates the {@linkplain #signalFile() signal file},
   * removes the other signal file if the backup held one, and flushes all of it to disk.
   *
   * <p>A backup of a server that was itself recovered (restored to a time, then promoted) holds
   * that recovery's settings; left active, a {@code recovery_target_time} of the old recovery would
   * still apply to this one where this configuration sets none, or make PostgreSQL refuse to start
   * next to another target. The file is written under a temporary name in the data directory,
   * flushed and renamed over the old one (keeping its owner and group permission bits, 0600 if it
   * was missing), so that it is never half-written.
   *
   * @throws IOException if a file cannot be written
   */
  public void writeTo(Path dataDirectory) throws IOException {
    requireNonNull(dataDirectory, "dataDirectory is null");
    Path conf = dataDirectory.resolve(AUTO_CONF);
    Set<PosixFilePermission> mode = Restores.permissions(0600);
    String kept = "";
    if (Files.exists(conf)) {
      mode = EnumSet.copyOf(Files.getPosixFilePermissions(conf));
      mode.retainAll(Restores.permissions(0660));
      mode.addAll(Restores.permissions(0600));
      kept = disableRecoverySettings(new String(Files.readAllBytes(conf), ISO_8859_1));
      if (!kept.isEmpty() && !kept.endsWith("\n")) {
        kept += "\n";
      }
    }
    byte[] before = kept.getBytes(ISO_8859_1);
    byte[] after = autoConfText().getBytes(UTF_8);
    Path partial = dataDirectory.resolve(AUTO_CONF + PARTIAL_SUFFIX);
    Files.deleteIfExists(partial);
    try (FileChannel ch =
        FileChannel.open(
            partial,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            Restores.filePermissions(0600))) {
      ByteBuffer bytes = ByteBuffer.allocate(before.length + after.length);
      bytes.put(before).put(after).flip();
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
      ch.force(true);
    }
    Files.setPosixFilePermissions(partial, mode);
    Files.move(partial, conf, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(dataDirectory.resolve(standby ? RECOVERY_SIGNAL : STANDBY_SIGNAL));
    Path signal = dataDirectory.resolve(signalFile());
    Files.deleteIfExists(signal);
    Files.createFile(signal, Restores.filePermissions(0600));
    Restores.fsync(signal, false);
    Restores.fsync(dataDirectory, true);
  }

  /**
   * Returns {@code text}, the content of a {@code postgresql.auto.conf} read as ISO-8859-1, with
   * each line that sets one of the {@link #DISABLED_SETTINGS} prefixed with {@value
   * #DISABLED_PREFIX}; every other character is kept.
   */
  static String disableRecoverySettings(String text) {
    StringBuilder out = new StringBuilder(text.length() + 256);
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      end = end < 0 ? text.length() : end + 1;
      String line = text.substring(start, end);
      Matcher m = SETTING_LINE.matcher(line);
      if (m.find() && DISABLED_SETTINGS.contains(m.group(1).toLowerCase(Locale.ROOT))) {
        out.append(DISABLED_PREFIX);
      }
      out.append(line);
      start = end;
    }
    return out.toString();
  }

  /** Returns a short description, without the command's arguments. */
  @Override
  public String toString() {
    return "RecoveryConfiguration[target "
        + target
        + ", timeline "
        + timeline
        + (standby ? ", standby" : "")
        + "]";
  }

  /** Builds a {@link RecoveryConfiguration}; every setter validates at once. */
  public static final class Builder {
    private final String restoreCommand;
    private RecoveryTarget target = RecoveryTarget.latest();
    private RecoveryTimeline timeline = RecoveryTimeline.latest();
    private Action action;
    private boolean standby;
    private final Map<String, String> extra = new LinkedHashMap<>();
    private String comment;

    private Builder(String restoreCommand) {
      requireNonNull(restoreCommand, "restoreCommand is null");
      quote(restoreCommand);
      if (!restoreCommand.contains("%f") || !restoreCommand.contains("%p")) {
        throw new IllegalArgumentException(
            "restore_command must pass %f (the file name) and %p (where to put it)");
      }
      this.restoreCommand = restoreCommand;
    }

    /** Where recovery stops; default {@link RecoveryTarget#latest()}. */
    public Builder target(RecoveryTarget target) {
      this.target = requireNonNull(target, "target is null");
      return this;
    }

    /** The timeline recovery follows; default {@link RecoveryTimeline#latest()}. */
    public Builder timeline(RecoveryTimeline timeline) {
      this.timeline = requireNonNull(timeline, "timeline is null");
      return this;
    }

    /**
     * What the server does at the target; default {@link Action#PAUSE}, PostgreSQL's. Needs a
     * target other than {@link RecoveryTarget#latest()} ({@link #build()} checks).
     */
    public Builder action(Action action) {
      this.action = requireNonNull(action, "action is null");
      return this;
    }

    /** Whether to start as a standby ({@code standby.signal}); default false. */
    public Builder standby(boolean standby) {
      this.standby = standby;
      return this;
    }

    /**
     * Adds another setting, such as {@code archive_mode} = {@code off} for a test restore.
     *
     * @throws IllegalArgumentException if the name is not a setting name, is one this class writes
     *     itself, or the value has a line break
     */
    public Builder setting(String name, String value) {
      requireNonNull(name, "name is null");
      quote(value);
      if (!SETTING_NAME.matcher(name).matches()
          || name.equals("restore_command")
          || name.startsWith("recovery_target")) {
        throw new IllegalArgumentException(
            "invalid extra setting '"
                + name
                + "': a lowercase setting name other than the"
                + " recovery settings");
      }
      extra.put(name, value);
      return this;
    }

    /** A comment line written before the settings (one line). */
    public Builder comment(String comment) {
      requireNonNull(comment, "comment is null");
      quote(comment);
      this.comment = comment;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @throws IllegalArgumentException if an action was set without a target
     */
    public RecoveryConfiguration build() {
      if (action != null && target.kind() == RecoveryTarget.Kind.LATEST) {
        throw new IllegalArgumentException(
            "a target action needs a recovery target (a time, position, restore point or"
                + " transaction)");
      }
      return new RecoveryConfiguration(this);
    }
  }
}
