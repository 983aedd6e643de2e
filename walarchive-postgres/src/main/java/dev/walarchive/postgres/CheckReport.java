package dev.walarchive.postgres;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * What {@link ArchivingCheck#run} found: one result per check, in the order they ran, and the
 * server-side figures.
 *
 * @param results one result per check
 * @param figures the server-side figures gathered on the way
 * @param finished when the check finished
 */
public record CheckReport(List<CheckResult> results, ServerFigures figures, Instant finished) {
  public CheckReport {
    results = List.copyOf(requireNonNull(results, "results is null"));
    requireNonNull(figures, "figures is null");
    requireNonNull(finished, "finished is null");
  }

  /** True if no check failed (warnings do not count). */
  public boolean passed() {
    return results.stream().noneMatch(r -> r.state() == CheckResult.State.FAILED);
  }

  /** The failed checks. */
  public List<CheckResult> failures() {
    return results.stream().filter(r -> r.state() == CheckResult.State.FAILED).toList();
  }
}
