package dev.walarchive.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArchiveStoragesTest {
  @Test
  void memWithoutAPathOpensAFreshInMemoryStore() throws IOException {
    try (ArchiveStorage first = ArchiveStorages.open("mem:", Map.of());
        ArchiveStorage second = ArchiveStorages.open("mem:", Map.of())) {
      byte[] content = {1, 2, 3};
      first.create("k", ObjectSource.ofBytes(content), Map.of());
      assertThat(first.stat("k").size()).isEqualTo(3);
      assertThatThrownBy(() -> second.stat("k"))
          .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
  }

  @Test
  void aMemStorageIsNamedByItsUrlWhateverItHolds() throws IOException {
    try (ArchiveStorage team = ArchiveStorages.open("mem:team", Map.of());
        ArchiveStorage plain = ArchiveStorages.open("mem:", Map.of());
        ArchiveStorage built = ArchiveStorages.memory()) {
      assertThat(team).hasToString("mem:team");
      team.create("k", ObjectSource.ofBytes(new byte[] {1}), Map.of());
      assertThat(team).hasToString("mem:team");
      assertThat(plain).hasToString("mem:");
      built.create("k", ObjectSource.ofBytes(new byte[] {1}), Map.of());
      assertThat(built).hasToString("mem:");
    }
  }

  @Test
  void aUrlWithoutSchemeIsRefusedWithAnExample() {
    assertThatThrownBy(() -> ArchiveStorages.open("/var/lib/walarchive", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no scheme")
        .hasMessageContaining("file:/path");
  }

  /**
   * Every spelling of one location is the same location (extra and trailing slashes, "." steps,
   * {@code file:///}, a query string, user info), and a location with one more path step is not.
   */
  @Test
  void sameLocationIgnoresSpellingButNotPlace() {
    qt().withExamples(500)
        .forAll(
            lists()
                .of(strings().betweenCodePoints('a', 'e').ofLengthBetween(1, 3))
                .ofSizeBetween(1, 4),
            strings().betweenCodePoints('a', 'e').ofLengthBetween(1, 3))
        .checkAssert(
            (steps, more) -> {
              String path = "/" + String.join("/", steps);
              String dotted = "/" + String.join("/./", steps) + "/";
              assertThat(ArchiveStorages.sameLocation("file:" + path, "file://" + dotted)).isTrue();
              assertThat(ArchiveStorages.sameLocation("file:" + path, "file:" + path + "/" + more))
                  .isFalse();
              assertThat(
                      ArchiveStorages.sameLocation(
                          "s3://bucket" + path, "S3://user@bucket/" + path + "/?region=x"))
                  .isTrue();
              assertThat(ArchiveStorages.sameLocation("s3://bucket" + path, "gs://bucket" + path))
                  .isFalse();
              assertThat(ArchiveStorages.sameLocation("s3://bucket" + path, "s3://other" + path))
                  .isFalse();
            });
    assertThat(ArchiveStorages.sameLocation("not a url", "not a url")).isFalse();
  }
}
