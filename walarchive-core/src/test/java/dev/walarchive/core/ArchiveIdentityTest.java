package dev.walarchive.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveManifest.Encryption;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive manifest as the archive's identity: required, never recreated, keys checked. */
class ArchiveIdentityTest {
  private static final long SYSID = 7_300_000_000_000_000_001L;
  private static final long FOREIGN = 7_399_999_999_999_999_999L;
  private static final WalSegmentSize ONE_MB = WalSegmentSize.ofMegabytes(1);

  @TempDir Path dir;
  private ArchiveStorage storage;
  private Keyring k1;

  @BeforeEach
  void setUp() {
    storage = ArchiveStorages.memory();
    k1 = keyring("k1", 1);
  }

  private static Keyring keyring(String id, int fill) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) fill);
    return Keyring.builder().addKey(id, key).build();
  }

  private WalArchive archive(Keyring keyring) {
    return WalArchive.builder(storage).keyring(keyring).tempDirectory(dir).build();
  }

  private Path segment(long sysid, long segno) throws Exception {
    Path sub = Files.createDirectories(dir.resolve("src-" + sysid + "-" + segno));
    return SyntheticWal.writeSegment(sub, sysid, 1, segno, ONE_MB, segno);
  }

  private List<String> keys() throws Exception {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list("");
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  private String manifestText() throws Exception {
    try (InputStream in = storage.open(ManifestFormat.KEY)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private void replaceManifest(String text) throws Exception {
    storage.delete(List.of(ManifestFormat.KEY));
    storage.create(ManifestFormat.KEY, ObjectSource.ofBytes(text.getBytes(UTF_8)), Map.of());
  }

  @Test
  void everyReadingOperationOnALocationWithoutAManifestIsAConfigurationError() throws Exception {
    WalArchive archive = archive(k1);
    Path dest = dir.resolve("RECOVERYXLOG");
    for (ThrowingRunnable op :
        List.<ThrowingRunnable>of(
            () -> archive.fetch("000000010000000000000001", dest),
            () -> archive.fetch("00000002.history", dest),
            archive::inventory,
            archive::pinnedBackups,
            archive::requireManifest,
            () -> archive.verifyObject(WalFileName.parse("000000010000000000000001")))) {
      assertThatThrownBy(op::run)
          .isInstanceOf(ArchiveConfigurationException.class)
          .hasMessageContaining("no archive at mem:")
          .hasMessageContaining("check the archive URL");
    }
    assertThat(dest).doesNotExist();
    assertThat(archive.manifest()).isEmpty();
    assertThat(keys()).isEmpty();
  }

  @Test
  void theFirstSegmentPushedCreatesAnEncryptedManifestWithTheKeysCheckValue() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    ArchiveManifest m = archive(k1).requireManifest();
    assertThat(m.systemIdentifier()).isEqualTo(SYSID);
    assertThat(m.encryption()).isEqualTo(Encryption.AES_256_GCM);
    assertThat(m.keys()).containsOnlyKeys("k1");
    String text = manifestText();
    assertThat(text).contains("encryption=aes-256-gcm").contains("key.k1=");
    // the check value is neither the key nor the same for another archive of the same key
    assertThat(text).doesNotContain("0101010101");
    ArchiveStorage other = ArchiveStorages.memory();
    WalArchive.builder(other).keyring(k1).tempDirectory(dir).build().push(segment(SYSID, 3));
    assertThat(WalArchive.builder(other).build().requireManifest().keys().get("k1"))
        .isNotEqualTo(m.keys().get("k1"));
  }

  @Test
  void aDeletedManifestIsNeverRecreatedByAPushEvenOfAForeignCluster() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    storage.delete(List.of(ManifestFormat.KEY));
    List<String> before = keys();
    for (Path file : List.of(segment(FOREIGN, 4), segment(SYSID, 4))) {
      assertThatThrownBy(() -> archive(k1).push(file))
          .isInstanceOf(ArchiveConfigurationException.class)
          .hasMessageContaining("holds archived files but no archive manifest")
          .hasMessageContaining("walarchive repair-manifest");
    }
    assertThat(keys()).isEqualTo(before);
    Path dest = dir.resolve("RECOVERYXLOG");
    assertThatThrownBy(() -> archive(k1).fetch("000000010000000000000009", dest))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("walarchive repair-manifest");
    assertThat(dest).doesNotExist();
  }

  @Test
  void anEmptiedGarbledOrDuplicatedManifestIsAConfigurationError() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    String good = manifestText();
    for (String bad :
        List.of(
            "",
            "\u0000\u0001garbage",
            good.replace("format=1", "format=one"),
            good + "system-identifier=1\n",
            good + "url=file:/elsewhere\n",
            good.replace("encryption=aes-256-gcm", "encryption=rot13"),
            "format=1\nrevision=2\n" + good.substring(good.indexOf("system-identifier")))) {
      replaceManifest(bad);
      assertThatThrownBy(() -> archive(k1).fetch("000000010000000000000009", dir.resolve("x")))
          .as("manifest %s", bad)
          .isInstanceOf(ArchiveConfigurationException.class)
          .hasMessageContaining("walarchive.manifest")
          .hasMessageContaining("walarchive repair-manifest");
      assertThatThrownBy(() -> archive(k1).push(segment(SYSID, 4)))
          .isInstanceOf(ArchiveConfigurationException.class);
      assertThat(storage.list("wal/000000010000000000000004").hasNext()).isFalse();
    }
  }

  @Test
  void aPushWithoutTheKeyIntoAnEncryptedArchiveIsRefusedAndStoresNothing() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    List<String> before = keys();
    assertThatThrownBy(() -> archive(Keyring.none()).push(segment(SYSID, 4)))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("is encrypted, but no key is configured")
        .hasMessageContaining("[k1]");
    assertThat(keys()).isEqualTo(before);
  }

  @Test
  void aPushWithAKeyIntoAnUnencryptedArchiveIsRefused() throws Exception {
    archive(Keyring.none()).push(segment(SYSID, 3));
    List<String> before = keys();
    assertThatThrownBy(() -> archive(k1).push(segment(SYSID, 4)))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("is not encrypted, but a key is configured")
        .hasMessageContaining("walarchive keys enable-encryption");
    assertThat(keys()).isEqualTo(before);
  }

  @Test
  void aNewKeyUnderAnOldIdIsRefusedOnPushAndOnFetch() throws Exception {
    Path first = segment(SYSID, 3);
    archive(k1).push(first);
    List<String> before = keys();
    Keyring regenerated = keyring("k1", 2);
    assertThatThrownBy(() -> archive(regenerated).push(segment(SYSID, 4)))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("the key configured as 'k1' is not the key the archive")
        .hasMessageContaining("new key id");
    assertThat(keys()).isEqualTo(before);
    Path dest = dir.resolve("RECOVERYXLOG");
    assertThatThrownBy(() -> archive(regenerated).fetch(first.getFileName().toString(), dest))
        .isInstanceOf(ArchiveConfigurationException.class);
    assertThatThrownBy(() -> archive(regenerated).fetch("000000010000000000000009", dest))
        .as("not 'not found': the key is wrong whatever is asked for")
        .isInstanceOf(ArchiveConfigurationException.class);
    assertThat(dest).doesNotExist();
    assertThatThrownBy(() -> archive(regenerated).inventory())
        .isInstanceOf(ArchiveConfigurationException.class);
  }

  @Test
  void aFetchWithoutAnyKeyFromAnEncryptedArchiveIsAConfigurationError() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    assertThatThrownBy(() -> archive(Keyring.none()).fetch("000000010000000000000009", dir))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("is encrypted, but no key is configured");
    // listing needs no key: monitoring hosts need not hold it
    assertThat(archive(Keyring.none()).inventory().timelines()).hasSize(1);
  }

  @Test
  void keysAreAddedAndRetiredExplicitly() throws Exception {
    Path first = segment(SYSID, 3);
    archive(k1).push(first);
    byte[] k2bytes = new byte[32];
    Arrays.fill(k2bytes, (byte) 9);
    byte[] k1bytes = new byte[32];
    Arrays.fill(k1bytes, (byte) 1);
    Keyring rotated =
        Keyring.builder().addKey("k1", k1bytes).addKey("k2", k2bytes).activeKeyId("k2").build();
    assertThatThrownBy(() -> archive(rotated).push(segment(SYSID, 4)))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("key id 'k2' is not registered")
        .hasMessageContaining("walarchive keys add");
    ArchiveManifest added = archive(rotated).addKey();
    assertThat(added.revision()).isEqualTo(2);
    assertThat(archive(rotated).addKey().revision()).as("idempotent").isEqualTo(2);
    archive(rotated).push(segment(SYSID, 4));
    assertThatThrownBy(() -> archive(rotated).retireKey("k9"))
        .isInstanceOf(ArchiveConfigurationException.class);
    assertThat(archive(rotated).retireKey("k1").keys().get("k1").retired()).isTrue();
    assertThatThrownBy(() -> archive(k1).push(segment(SYSID, 5)))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("retired");
    assertThatThrownBy(() -> archive(rotated).retireKey("k2"))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("last current key");
    // retired keys still read
    Path dest = dir.resolve("RECOVERYXLOG");
    archive(rotated).fetch(first.getFileName().toString(), dest);
    assertThat(Files.readAllBytes(dest)).isEqualTo(Files.readAllBytes(first));
    // a registered id is never given to another key
    Keyring otherK2 = keyring("k2", 10);
    assertThatThrownBy(() -> archive(otherK2).addKey())
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("already registered");
    assertThat(keys())
        .contains(ManifestFormat.KEY, ManifestFormat.keyOf(2), ManifestFormat.keyOf(3));
  }

  @Test
  void encryptionIsTurnedOnExplicitly() throws Exception {
    Path plain = segment(SYSID, 3);
    archive(Keyring.none()).push(plain);
    assertThatThrownBy(() -> archive(Keyring.none()).enableEncryption())
        .isInstanceOf(ArchiveConfigurationException.class);
    ArchiveManifest m = archive(k1).enableEncryption();
    assertThat(m.encryption()).isEqualTo(Encryption.AES_256_GCM);
    assertThatThrownBy(() -> archive(Keyring.none()).push(segment(SYSID, 4)))
        .isInstanceOf(ArchiveConfigurationException.class);
    archive(k1).push(segment(SYSID, 4));
    assertThatThrownBy(() -> archive(k1).enableEncryption())
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("encrypted already");
  }

  @Test
  void aConcurrentManifestUpdateLosesWithoutChangingAnything() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    WalArchive a = archive(keyring("k2", 2));
    ArchiveManifest m = a.requireManifest();
    // someone else wrote revision 2 meanwhile
    ArchiveManifest theirs = ManifestFormat.next(m, m.encryption(), m.keyCheckSalt(), m.keys());
    new Manifests(storage).write(theirs);
    assertThatThrownBy(() -> new Manifests(storage).write(theirs))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("changed by someone else");
    assertThat(a.addKey().revision()).isEqualTo(3);
  }

  @Test
  void aManifestOfAnOlderWalarchiveReadsButRefusesPushesUntilUpgraded() throws Exception {
    Path first = segment(SYSID, 3);
    archive(k1).push(first);
    ArchiveManifest current = archive(k1).requireManifest();
    ArchiveManifest legacy =
        ManifestFormat.unrecorded(
            1, SYSID, ONE_MB, Instant.parse("2026-01-01T00:00:00Z"), Map.of());
    replaceManifest(new String(ManifestFormat.toBytes(legacy), UTF_8));
    assertThat(manifestText()).doesNotContain("encryption");
    Path dest = dir.resolve("RECOVERYXLOG");
    archive(k1).fetch(first.getFileName().toString(), dest);
    assertThatThrownBy(() -> archive(k1).push(segment(SYSID, 4)))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("older walarchive")
        .hasMessageContaining("walarchive repair-manifest");
    ArchiveManifest upgraded = archive(k1).repairManifest();
    assertThat(upgraded.revision()).isEqualTo(2);
    assertThat(upgraded.created()).isEqualTo(legacy.created());
    assertThat(upgraded.encryption()).isEqualTo(Encryption.AES_256_GCM);
    assertThat(upgraded.keys()).containsOnlyKeys("k1");
    assertThat(current.keys()).containsOnlyKeys("k1");
    archive(k1).push(segment(SYSID, 4));
    assertThat(archive(k1).repairManifest().revision()).as("nothing to do").isEqualTo(2);
  }

  @Test
  void repairRebuildsALostManifestFromObjectsThatAgree() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    archive(k1).push(segment(SYSID, 4));
    storage.delete(List.of(ManifestFormat.KEY));
    assertThatThrownBy(() -> archive(Keyring.none()).repairManifest())
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("k1");
    assertThat(archive(k1).manifest()).isEmpty();
    ArchiveManifest repaired = archive(k1).repairManifest();
    assertThat(repaired.systemIdentifier()).isEqualTo(SYSID);
    assertThat(repaired.segmentSize()).isEqualTo(ONE_MB);
    assertThat(repaired.encryption()).isEqualTo(Encryption.AES_256_GCM);
    archive(k1).push(segment(SYSID, 5));
    assertThatThrownBy(() -> archive(keyring("k1", 2)).push(segment(SYSID, 6)))
        .isInstanceOf(ArchiveConfigurationException.class);
  }

  @Test
  void repairRefusesObjectsOfTwoClusters() throws Exception {
    archive(Keyring.none()).push(segment(SYSID, 3));
    ArchiveStorage other = ArchiveStorages.memory();
    Path foreign = segment(FOREIGN, 4);
    WalArchive.builder(other).keyring(Keyring.none()).tempDirectory(dir).build().push(foreign);
    String key = "wal/" + foreign.getFileName();
    try (InputStream in = other.open(key)) {
      storage.create(key, ObjectSource.ofBytes(in.readAllBytes()), Map.of());
    }
    storage.delete(List.of(ManifestFormat.KEY));
    assertThatThrownBy(() -> archive(Keyring.none()).repairManifest())
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining(Long.toUnsignedString(SYSID))
        .hasMessageContaining(Long.toUnsignedString(FOREIGN));
    assertThat(archive(Keyring.none()).manifest()).isEmpty();
  }

  @Test
  void repairOfAnEmptyLocationCreatesNothing() throws Exception {
    assertThatThrownBy(() -> archive(k1).repairManifest())
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("holds no archived file");
    assertThat(keys()).isEmpty();
  }

  @Test
  void aHistoryFileFirstCreatesTheArchiveFromASegmentBesideIt() throws Exception {
    Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
    SyntheticWal.writeSegment(pgWal, SYSID, 2, 7, ONE_MB, 7);
    Path history = pgWal.resolve("00000002.history");
    Files.writeString(history, "1\t0/5000000\tno recovery target specified\n", UTF_8);
    archive(k1).push(history);
    assertThat(archive(k1).requireManifest().systemIdentifier()).isEqualTo(SYSID);

    storage = ArchiveStorages.memory();
    Path lonely = Files.createDirectories(dir.resolve("lonely")).resolve("00000002.history");
    Files.writeString(lonely, "1\t0/5000000\tno recovery target specified\n", UTF_8);
    assertThatThrownBy(() -> archive(k1).push(lonely))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("no WAL segment in");
    assertThat(keys()).isEmpty();
  }

  @Test
  void fetchAfterTheManifestStillSaysNotFoundForAMissingFile() throws Exception {
    archive(k1).push(segment(SYSID, 3));
    Path dest = dir.resolve("RECOVERYXLOG");
    assertThatThrownBy(() -> archive(k1).fetch("00000002.history", dest))
        .isInstanceOf(WalFileNotFoundException.class);
    assertThat(dest).doesNotExist();
  }

  @Test
  void aManifestRoundTripsAndRevisionsAreBoundToTheirKeys() throws Exception {
    ArchiveManifest m =
        new ArchiveManifest(
            1,
            -5L,
            ONE_MB,
            Instant.parse("2026-11-21T10:00:00Z"),
            Map.of("s3.conditional-writes", "verified"),
            7,
            Encryption.AES_256_GCM,
            "ab".repeat(32),
            Map.of(
                "k1",
                new ArchiveManifest.ArchiveKey("cd".repeat(32), true),
                "k2",
                new ArchiveManifest.ArchiveKey("ef".repeat(32), false)));
    assertThat(ManifestFormat.parse(ManifestFormat.keyOf(m), ManifestFormat.toBytes(m)))
        .isEqualTo(m);
    assertThat(ManifestFormat.keyOf(m)).isEqualTo("walarchive.manifest.r00000007");
    assertThat(ManifestFormat.revisionOf("walarchive.manifest.r00000001")).isEmpty();
    assertThat(ManifestFormat.revisionOf("walarchive.manifest.bak")).isEmpty();
    assertThatThrownBy(
            () -> ManifestFormat.parse(ManifestFormat.keyOf(8), ManifestFormat.toBytes(m)))
        .hasMessageContaining("revision");
  }

  @Test
  void theKeyCheckValueSeparatesKeysAndArchives() throws Exception {
    byte[] salt = new byte[32];
    byte[] otherSalt = new byte[32];
    otherSalt[0] = 1;
    assertThat(k1.archiveKeyCheck("k1", salt))
        .isEqualTo(keyring("k1", 1).archiveKeyCheck("k1", salt));
    assertThat(k1.archiveKeyCheck("k1", salt))
        .isNotEqualTo(keyring("k1", 2).archiveKeyCheck("k1", salt));
    assertThat(k1.archiveKeyCheck("k1", salt)).isNotEqualTo(k1.archiveKeyCheck("k1", otherSalt));
    assertThat(k1.archiveKeyCheck("k1", salt)).hasSize(64);
  }

  /**
   * A location the user may not write: the message names the directory and the user (never "on
   * null"), and it is a permission (storage) failure as in an existing archive, not a configuration
   * error.
   */
  @Test
  void anArchiveThatCannotBeCreatedForWantOfPermissionNamesTheDirectory() throws Exception {
    Path parent = dir.resolve("read-only");
    ArchiveStorage inner = ArchiveStorages.memory();
    ArchiveStorage denying =
        new ArchiveStorage() {
          @Override
          public void create(String key, ObjectSource content, Map<String, String> metadata)
              throws java.io.IOException {
            // what FileArchiveStorage throws when it cannot create the archive directory
            throw dev.walarchive.core.storage.spi.TemporaryFiles.cannotWrite(
                parent, new java.nio.file.AccessDeniedException(parent.resolve("a").toString()));
          }

          @Override
          public InputStream open(String key) throws java.io.IOException {
            return inner.open(key);
          }

          @Override
          public dev.walarchive.core.storage.ObjectStat stat(String key)
              throws java.io.IOException {
            return inner.stat(key);
          }

          @Override
          public ObjectIterator list(String prefix) throws java.io.IOException {
            return inner.list(prefix);
          }

          @Override
          public void delete(java.util.Collection<String> keys) throws java.io.IOException {
            inner.delete(keys);
          }

          @Override
          public void close() throws java.io.IOException {
            inner.close();
          }

          @Override
          public String toString() {
            return "file:" + parent.resolve("a");
          }
        };
    Path file = segment(SYSID, 3);
    try (WalArchive a = WalArchive.builder(denying).tempDirectory(dir).build()) {
      assertThatThrownBy(() -> a.push(file))
          .isInstanceOf(java.nio.file.AccessDeniedException.class)
          .isNotInstanceOf(ArchiveConfigurationException.class)
          .hasMessage(
              "cannot create the archive at file:"
                  + parent.resolve("a")
                  + ": cannot write to directory "
                  + parent
                  + " as user "
                  + System.getProperty("user.name")
                  + "; give that user write permission or use another location");
      assertThatThrownBy(() -> a.createArchive(SYSID, ONE_MB))
          .hasMessageNotContaining("null")
          .satisfies(
              e ->
                  assertThat(WalArchiveException.kindOf(e))
                      .isEqualTo(WalArchiveException.Kind.PERMISSION));
    }
  }

  @Test
  void fileArchivesAreCreatedOnlyAsTheDirectoryBelowAnExistingParent() throws Exception {
    assertThatThrownBy(() -> ArchiveStorages.open("file:archive", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is relative");
    assertThatThrownBy(() -> ArchiveStorages.open("file:./x/y", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is relative");

    Path typo = dir.resolve("no-such-parent").resolve("archive");
    Path file = segment(SYSID, 3);
    try (WalArchive a =
        WalArchive.builder(ArchiveStorages.open("file:" + typo, Map.of()))
            .tempDirectory(dir)
            .build()) {
      assertThatThrownBy(() -> a.push(file))
          .isInstanceOf(ArchiveConfigurationException.class)
          .hasMessageContaining("cannot create the archive at file:" + typo)
          .hasMessageContaining(dir.resolve("no-such-parent").toString())
          .hasMessageContaining("fix the archive URL");
    }
    assertThat(dir.resolve("no-such-parent")).doesNotExist();

    Path empty = Files.createDirectories(dir.resolve("empty"));
    try (WalArchive a =
        WalArchive.builder(ArchiveStorages.open("file:" + empty, Map.of()))
            .tempDirectory(dir)
            .build()) {
      assertThatThrownBy(() -> a.fetch("000000010000000000000003", dir.resolve("x")))
          .isInstanceOf(ArchiveConfigurationException.class)
          .hasMessageContaining("no archive at file:" + empty);
    }

    Path fresh = dir.resolve("fresh");
    try (WalArchive a =
        WalArchive.builder(ArchiveStorages.open("file://" + fresh, Map.of()))
            .tempDirectory(dir)
            .build()) {
      a.push(file);
      assertThat(fresh.resolve(ManifestFormat.KEY)).exists();
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
