/**
 * Test support for code that uses walarchive (for embedders' tests, in test scope): {@link
 * dev.walarchive.testkit.WalArchiveExtension} gives each JUnit 5 test a fresh in-memory archive
 * (optionally encrypted, created for a segment size, on a given clock), and {@link
 * dev.walarchive.testkit.TestWal} writes synthetic WAL segments, backup history and timeline
 * history files that pass walarchive's validation. For a fake archive without JUnit, use {@link
 * dev.walarchive.core.WalArchive#inMemory()}.
 */
package dev.walarchive.testkit;
