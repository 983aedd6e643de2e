/**
 * Retention: which base backups to keep and which archived WAL they need.
 *
 * <ul>
 *   <li>{@link dev.walarchive.core.retention.RetentionPolicy}: keep the newest N backups, a
 *       recovery window, pinned backups;
 *   <li>{@link dev.walarchive.core.retention.RetentionPlanner}: a pure function from an archive
 *       listing, its backup and timeline history files, a policy and the time to a plan, following
 *       the timeline graph;
 *   <li>{@link dev.walarchive.core.retention.RetentionPlan}: the retained and expired backups, the
 *       files to delete and the ranges kept, each with its reason.
 * </ul>
 */
package dev.walarchive.core.retention;
