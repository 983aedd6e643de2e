/**
 * Test support for code that uses walarchive: {@link dev.walarchive.testkit.WalArchiveExtension}
 * gives each JUnit 5 test a fresh in-memory archive, and {@link dev.walarchive.testkit.TestWal}
 * writes synthetic WAL files that pass walarchive's validation. For a fake archive without JUnit,
 * use {@link dev.walarchive.core.WalArchive#inMemory()}.
 */
package dev.walarchive.testkit;
