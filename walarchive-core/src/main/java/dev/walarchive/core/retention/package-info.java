/**
 * Retention: which base backups to keep and which archived WAL they need. For embedders who run
 * their own retention job, and for tools that want to show a plan.
 *
 * <ul>
 *   <li>{@link dev.walarchive.core.retention.RetentionPolicy}: keep the newest N backups, a
 *       recovery window, pinned backups;
 *   <li>{@link dev.walarchive.core.retention.RetentionPlanner}: a pure function from an archive
 *       listing, its backup and timeline history files, a policy and the time to a plan, following
 *       the timeline graph;
 *   <li>{@link dev.walarchive.core.retention.RetentionPlan}: the retained and expired backups, the
 *       files to delete and the ranges kept, each with its reason;
 *   <li>{@link dev.walarchive.core.retention.RetentionListener} and {@link
 *       dev.walarchive.core.retention.RetentionApplyException}: progress and failures of applying a
 *       plan.
 * </ul>
 *
 * <p>Embedders plan and apply through the facade, which reads the archive's pins and history files
 * for the planner: {@code archive.applyRetention(archive.planRetention(policy), listener)}.
 */
package dev.walarchive.core.retention;
