/**
 * A local GCS server for tests of code that uses walarchive on Google Cloud Storage: depending on
 * this artifact (test scope) brings {@code dev.walarchive.gcs.FakeGcsServer} from walarchive-gcs's
 * test-jar, an in-process fake of the GCS JSON API on 127.0.0.1 and a free port that honours
 * generation preconditions; {@link dev.walarchive.gcs.testkit.GcsTestStorages} opens storage on it.
 *
 * <pre>{@code
 * try (FakeGcsServer gcs = FakeGcsServer.start();
 *     WalArchive archive =
 *         WalArchive.builder(ArchiveStorages.open(gcs.url("team"), gcs.options())).build()) {
 *   archive.push(segment);
 * }
 * }</pre>
 */
package dev.walarchive.gcs.testkit;
