package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.wal.WalFileName;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code WalArchive.verify} found: every problem and warning as data, in the order a report
 * lists them, and the detailed continuity results behind them.
 *
 * <p>The archive is fine when {@link #isOk()}: no {@linkplain #problems() problem}. {@linkplain
 * #warnings() Warnings} do not make it fail; alert on them too if test restores might archive into
 * production.
 *
 * @param continuity per backup and timeline it can reach: what a recovery reads and what is missing
 * @param divergences timelines growing side by side (each also a {@link Kind#DIVERGENCE} warning)
 * @param integrity how many objects were checked and verified; empty if integrity was not checked
 * @param findings problems and warnings in report order: {@link Kind#UNREADABLE_HISTORY}, {@link
 *     Kind#NO_BACKUP}, then for each continuity result in order one {@link Kind#GAP} per {@link
 *     ContinuityCheck.Result#missing() missing run} and one {@link Kind#CONTINUITY} per {@link
 *     ContinuityCheck.Result#problems() problem}, then per walarchive base backup in name order
 *     {@link Kind#BACKUP_INCOMPLETE}, {@link Kind#BACKUP_MISSING_OBJECT}, {@link
 *     Kind#BACKUP_CORRUPT} (marker or manifest) and {@link Kind#GAP} / {@link Kind#CONTINUITY} for
 *     the WAL it needs when no backup history file covers it, then {@link Kind#DIVERGENCE}, then
 *     from the integrity check {@link Kind#CORRUPT} (WAL objects) and {@link Kind#BACKUP_CORRUPT}
 *     (data objects), then {@link Kind#STALE}
 * @param baseBackups every walarchive base backup ({@code archive.baseBackups().list()}), in name
 *     order, with what was checked of it
 */
public record VerifyReport(
    List<ContinuityCheck.Result> continuity,
    List<ContinuityCheck.Divergence> divergences,
    Optional<Integrity> integrity,
    List<Finding> findings,
    List<BaseBackup> baseBackups) {

  /** What a finding is about. */
  public enum Kind {
    /** The archive holds no readable backup history file, so nothing can be restored from it. */
    NO_BACKUP(true),
    /** A backup history or timeline history file could not be read or parsed. */
    UNREADABLE_HISTORY(true),
    /** Segments a recovery from a backup to the end of a timeline reads are missing. */
    GAP(true),
    /**
     * A backup cannot be followed along the timelines, e.g. a timeline has WAL but no history file.
     */
    CONTINUITY(true),
    /** An object does not decode or does not match its digest or metadata. */
    CORRUPT(true),
    /** The newest segment is older than the limit, or there is none. */
    STALE(true),
    /** Two timelines grow side by side: two servers archive into one archive (a warning). */
    DIVERGENCE(false),
    /**
     * An object a complete walarchive base backup needs (its manifest, or a data object its
     * manifest names) is not in the archive.
     */
    BACKUP_MISSING_OBJECT(true),
    /**
     * A complete walarchive base backup's completion marker, manifest or a data object does not
     * decode, or a file's bytes do not match the SHA-256 in the manifest.
     */
    BACKUP_CORRUPT(true),
    /**
     * A walarchive base backup is not complete: the debris of an interrupted push (or one still
     * running), which is never restored and which retention removes (a warning).
     */
    BACKUP_INCOMPLETE(false);

    private final boolean problem;

    Kind(boolean problem) {
      this.problem = problem;
    }

    /** Whether findings of this kind are problems (otherwise warnings). */
    public boolean isProblem() {
      return problem;
    }
  }

  /**
   * One problem or warning.
   *
   * @param kind what it is about
   * @param message one line saying what is wrong, such as {@code backup
   *     000000010000000000000007.00000028.backup to the end of timeline 1: missing
   *     00000001000000000000000B}
   * @param file the file it concerns: the first missing segment, the corrupt object, the newest
   *     segment of a stale archive, the unreadable history file
   * @param backup the backup history file of the backup it concerns (gaps and continuity; for a
   *     walarchive base backup's findings, the one its completion marker names)
   * @param timeline the timeline it concerns (gaps and continuity: the timeline recovered to;
   *     divergence: the timeline that kept growing)
   */
  public record Finding(
      Kind kind,
      String message,
      Optional<WalFileName> file,
      Optional<WalFileName> backup,
      OptionalLong timeline) {
    /** Checks that no component is null. */
    public Finding {
      requireNonNull(kind, "kind is null");
      requireNonNull(message, "message is null");
      requireNonNull(file, "file is null");
      requireNonNull(backup, "backup is null");
      requireNonNull(timeline, "timeline is null");
    }

    /** Whether this is a problem rather than a warning. */
    public boolean isProblem() {
      return kind.isProblem();
    }

    @Override
    public String toString() {
      return kind + " " + message;
    }
  }

  /**
   * The integrity check's count.
   *
   * @param checked objects checked (all, or the sample): WAL objects and walarchive base backups'
   *     data objects together
   * @param verified of those, the ones that decoded and matched
   */
  public record Integrity(long checked, long verified) {}

  /**
   * What was checked of one walarchive base backup.
   *
   * @param name the backup
   * @param complete whether it is complete (an incomplete one is only reported, as {@link
   *     Kind#BACKUP_INCOMPLETE})
   * @param files the files its manifest lists (0 if the manifest could not be read)
   * @param dataObjects the data objects its manifest names
   * @param decoded of those, how many were decoded and every file in them checked against its
   *     SHA-256 (0 without the integrity check, fewer than all with a sample)
   * @param startSegment the first WAL segment it needs (empty if its marker could not be read)
   * @param stopSegment the last WAL segment it needs to become consistent (likewise)
   * @param backupHistoryFile the backup history file its marker names (likewise), the {@link
   *     ContinuityCheck.Result#backup()} of its continuity results
   * @param ok whether it is complete and no problem concerns its objects or the WAL from its start
   *     to its stop segment
   */
  public record BaseBackup(
      BackupName name,
      boolean complete,
      long files,
      long dataObjects,
      long decoded,
      Optional<WalFileName> startSegment,
      Optional<WalFileName> stopSegment,
      Optional<WalFileName> backupHistoryFile,
      boolean ok) {
    /** Checks that no component is null. */
    public BaseBackup {
      requireNonNull(name, "name is null");
      requireNonNull(startSegment, "startSegment is null");
      requireNonNull(stopSegment, "stopSegment is null");
      requireNonNull(backupHistoryFile, "backupHistoryFile is null");
    }
  }

  /** Copies the lists; no component may be null. */
  public VerifyReport {
    continuity = List.copyOf(requireNonNull(continuity, "continuity is null"));
    divergences = List.copyOf(requireNonNull(divergences, "divergences is null"));
    requireNonNull(integrity, "integrity is null");
    findings = List.copyOf(requireNonNull(findings, "findings is null"));
    baseBackups = List.copyOf(requireNonNull(baseBackups, "baseBackups is null"));
  }

  /** A report of an archive without walarchive base backups. */
  public VerifyReport(
      List<ContinuityCheck.Result> continuity,
      List<ContinuityCheck.Divergence> divergences,
      Optional<Integrity> integrity,
      List<Finding> findings) {
    this(continuity, divergences, integrity, findings, List.of());
  }

  /** The problems, in report order. */
  public List<Finding> problems() {
    return findings.stream().filter(Finding::isProblem).toList();
  }

  /** The warnings, in report order. */
  public List<Finding> warnings() {
    return findings.stream().filter(f -> !f.isProblem()).toList();
  }

  /** Whether no problem was found (warnings allowed). */
  public boolean isOk() {
    return findings.stream().noneMatch(Finding::isProblem);
  }

  /** One line, such as {@code verify: 3 problem(s), 1 warning(s)} or {@code verify: ok}. */
  public String summary() {
    long problems = problems().size();
    long warnings = findings.size() - problems;
    String warned = warnings == 0 ? "" : ", " + warnings + " warning(s)";
    return problems == 0 ? "verify: ok" + warned : "verify: " + problems + " problem(s)" + warned;
  }
}
