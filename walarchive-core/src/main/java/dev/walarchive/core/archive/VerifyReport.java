package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

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
 *     ContinuityCheck.Result#problems() problem}, then {@link Kind#DIVERGENCE}, {@link
 *     Kind#CORRUPT}, {@link Kind#STALE}
 */
public record VerifyReport(
    List<ContinuityCheck.Result> continuity,
    List<ContinuityCheck.Divergence> divergences,
    Optional<Integrity> integrity,
    List<Finding> findings) {

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
    DIVERGENCE(false);

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
   * @param backup the backup history file of the backup it concerns (gaps and continuity)
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
   * @param checked objects checked (all, or the sample)
   * @param verified of those, the ones that decoded and matched
   */
  public record Integrity(long checked, long verified) {}

  /** Copies the lists; no component may be null. */
  public VerifyReport {
    continuity = List.copyOf(requireNonNull(continuity, "continuity is null"));
    divergences = List.copyOf(requireNonNull(divergences, "divergences is null"));
    requireNonNull(integrity, "integrity is null");
    findings = List.copyOf(requireNonNull(findings, "findings is null"));
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
