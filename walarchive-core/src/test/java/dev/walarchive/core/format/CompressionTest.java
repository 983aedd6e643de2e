package dev.walarchive.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class CompressionTest {
  @Property
  void everyValidLevelPrintsAndParsesBack(@ForAll @IntRange(min = -7, max = 22) int level) {
    if (level == 0) {
      assertThatThrownBy(() -> Compression.zstd(0)).isInstanceOf(IllegalArgumentException.class);
      return;
    }
    Compression zstd = Compression.zstd(level);
    assertThat(zstd.toString()).isEqualTo("zstd:" + level);
    assertThat(Compression.parse(zstd.toString())).isEqualTo(zstd);
  }

  @Property
  void levelsOutOfRangeAreRejected(@ForAll int level) {
    if (level >= -7 && level <= 22 && level != 0) {
      return;
    }
    assertThatThrownBy(() -> Compression.zstd(level))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Integer.toString(level));
    assertThatThrownBy(() -> Compression.parse("zstd:" + level))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'zstd:" + level + "'");
  }

  @Property
  void anythingElseIsRejectedNamingTheInput(@ForAll String text) {
    if (text.equals("none") || text.equals("zstd") || text.matches("zstd:-?[1-9][0-9]?")) {
      return;
    }
    assertThatThrownBy(() -> Compression.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'")
        .hasMessageContaining("none, zstd or zstd:<level>");
  }

  @Example
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
