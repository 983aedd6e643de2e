/**
 * A local S3 server for tests of code that uses walarchive on S3: depending on this artifact (test
 * scope) brings {@code dev.walarchive.s3.S3TestServer} from walarchive-s3's test-jar and an
 * in-process s3proxy that honours conditional writes; {@link
 * dev.walarchive.s3.testkit.S3TestStorages} opens storage on it.
 *
 * <pre>{@code
 * try (S3TestServer s3 = S3TestServer.start();
 *     WalArchive archive =
 *         WalArchive.builder(ArchiveStorages.open(s3.url("team"), s3.options())).build()) {
 *   archive.push(segment);
 * }
 * }</pre>
 */
package dev.walarchive.s3.testkit;
