package dev.walarchive.core.format;

import static dev.walarchive.core.testing.Properties.anyInt;
import static dev.walarchive.core.testing.Properties.anyString;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.testing.Properties;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class CompressionTest {
  /** Every level from -7 to 22: all 30 of them, each once. */
  @ParameterizedTest
  @MethodSource("allLevels")
  void everyValidLevelPrintsAndParsesBack(int level) {
    if (level == 0) {
      assertThatThrownBy(() -> Compression.zstd(0)).isInstanceOf(IllegalArgumentException.class);
      return;
    }
    Compression zstd = Compression.zstd(level);
    assertThat(zstd.toString()).isEqualTo("zstd:" + level);
    assertThat(Compression.parse(zstd.toString())).isEqualTo(zstd);
  }

  static IntStream allLevels() {
    return IntStream.rangeClosed(-7, 22);
  }

  /** Any int, with the neighbours of the valid range and zero mixed in. */
  static Gen<Integer> levels() {
    return Generate.oneOf(anyInt(), intsBetween(-100, 100), Properties.oneOf(-8, 0, 23));
  }

  /** Any string, and near misses of the valid forms. */
  static Gen<String> texts() {
    Gen<String> nearMisses =
        intsBetween(-30, 30)
            .zip(
                Properties.oneOf(
                    "zstd:%d",
                    "zstd:0%d",
                    "zstd:+%d",
                    "zstd: %d",
                    "ZSTD:%d",
                    "zstd:%d ",
                    "zstd%d",
                    "zstd=%d",
                    "none:%d",
                    "%d"),
                (level, form) -> String.format(java.util.Locale.ROOT, form, level));
    return Generate.oneOf(anyString(255), nearMisses, Properties.oneOf("zstd:", "None", "NONE"));
  }

  @Test
  void levelsOutOfRangeAreRejected() {
    qt().withExamples(1000)
        .forAll(levels())
        .checkAssert(
            level -> {
              if (level >= -7 && level <= 22 && level != 0) {
                return;
              }
              assertThatThrownBy(() -> Compression.zstd(level))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining(Integer.toString(level));
              assertThatThrownBy(() -> Compression.parse("zstd:" + level))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("'zstd:" + level + "'");
            });
  }

  @Test
  void anythingElseIsRejectedNamingTheInput() {
    qt().withExamples(1000)
        .forAll(texts())
        .checkAssert(
            text -> {
              if (text.equals("none")
                  || text.equals("zstd")
                  || text.matches("zstd:-?[1-9][0-9]?")) {
                return;
              }
              assertThatThrownBy(() -> Compression.parse(text))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("'" + text + "'")
                  .hasMessageContaining("none, zstd or zstd:<level>");
            });
  }

  @Test
  void namedForms() {
    assertThat(Compression.parse("none")).isEqualTo(Compression.none());
    assertThat(Compression.none().toString()).isEqualTo("none");
    assertThat(Compression.parse("zstd")).isEqualTo(Compression.zstdDefault());
    assertThat(Compression.zstdDefault().level()).isEqualTo(Compression.DEFAULT_ZSTD_LEVEL);
    for (String bad : new String[] {"", "ZSTD", "zstd:", "zstd:03", "zstd:+3", " zstd", "gzip"}) {
      assertThatThrownBy(() -> Compression.parse(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> new Compression(Compression.Algorithm.NONE, 3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
