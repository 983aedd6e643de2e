package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The strict settings-file parser: what it accepts round-trips, everything else is refused. */
class PropertiesFileTest {
  private static final String NAME_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
  private static final String SHOWN = "configuration file /etc/walarchive.properties";

  /** Names of 1 to 12 characters of [A-Za-z0-9._-]. */
  private static Gen<String> names() {
    return lists()
        .of(integers().between(0, NAME_CHARS.length() - 1))
        .ofSizeBetween(1, 12)
        .map(
            l -> {
              StringBuilder sb = new StringBuilder();
              l.forEach(i -> sb.append(NAME_CHARS.charAt(i)));
              return sb.toString();
            });
  }

  /**
   * Values as the parser returns them: any non-control BMP text (including '=', '#', '\', quotes
   * and non-ASCII), without surrounding white space.
   */
  private static Gen<String> values() {
    return strings()
        .betweenCodePoints(0x20, 0xFFFD)
        .ofLengthBetween(0, 30)
        .map(
            s -> {
              StringBuilder sb = new StringBuilder();
              s.chars()
                  .forEach(
                      c ->
                          sb.append(
                              Character.isSurrogate((char) c) || c == 0x7f || c == 0xFEFF
                                  ? 'x'
                                  : (char) c));
              return sb.toString().strip();
            });
  }

  /** Settings files: distinct names to values, with a layout seed. */
  private static Gen<Map<String, String>> settings() {
    return lists()
        .of(names().zip(values(), List::of))
        .ofSizeBetween(0, 12)
        .map(
            pairs -> {
              Map<String, String> m = new LinkedHashMap<>();
              pairs.forEach(p -> m.putIfAbsent(p.get(0), p.get(1)));
              return m;
            });
  }

  /** Writes {@code settings} with comments, blank lines, spacing and line ends chosen by seed. */
  private static String format(Map<String, String> settings, int seed) {
    StringBuilder sb = new StringBuilder();
    String nl = (seed & 1) == 0 ? "\n" : "\r\n";
    int i = 0;
    for (Map.Entry<String, String> e : settings.entrySet()) {
      int layout = (seed >>> (i++ % 16)) & 7;
      if (layout == 1) {
        sb.append("# a comment with = and ").append(e.getKey()).append(nl);
      } else if (layout == 2) {
        sb.append(nl).append("  ! another comment").append(nl);
      }
      sb.append(layout == 3 ? "  " : "")
          .append(e.getKey())
          .append(layout >= 4 ? " = " : "=")
          .append(e.getValue())
          .append(layout == 5 ? "\t " : "")
          .append(nl);
    }
    return sb.toString();
  }

  private static Map<String, String> parse(String text) throws CliException {
    return parse(text.getBytes(UTF_8));
  }

  private static Map<String, String> parse(byte[] bytes) throws CliException {
    PropertiesFile f = PropertiesFile.parse(SHOWN, bytes);
    Map<String, String> m = new LinkedHashMap<>();
    for (PropertiesFile.Entry e : f.entries()) {
      m.put(e.name(), e.value());
    }
    return m;
  }

  @Test
  void validFilesRoundTrip() {
    qt().forAll(settings(), integers().all())
        .checkAssert(
            (settings, seed) -> {
              try {
                assertThat(parse(format(settings, seed))).containsExactlyEntriesOf(settings);
              } catch (CliException e) {
                throw new AssertionError(format(settings, seed), e);
              }
            });
  }

  @Test
  void anyDuplicatedNameIsRefusedNamingItAndBothLines() {
    qt().forAll(settings(), integers().all(), integers().between(0, 1000), values())
        .assuming((settings, seed, pick, value) -> !settings.isEmpty())
        .checkAssert(
            (settings, seed, pick, value) -> {
              List<String> names = new ArrayList<>(settings.keySet());
              String name = names.get(pick % names.size());
              String text = format(settings, seed);
              List<String> lines = new ArrayList<>(text.lines().toList());
              int at = pick % (lines.size() + 1);
              lines.add(at, name + (pick % 2 == 0 ? "=" : " = ") + value);
              String withDuplicate = String.join("\n", lines) + "\n";
              assertThatThrownBy(() -> parse(withDuplicate))
                  .isInstanceOf(CliException.class)
                  .hasMessageContaining(SHOWN)
                  .hasMessageContaining("'" + name + "' is set twice")
                  .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            });
  }

  /** Byte sequences that are not UTF-8 wherever they start a line. */
  private static Gen<byte[]> invalidSequences() {
    return integers()
        .between(0, 6)
        .zip(
            integers().between(0, 255),
            (kind, b) ->
                switch (kind) {
                  // a continuation byte with no lead
                  case 0 -> new byte[] {(byte) (0x80 | (b & 0x3f))};
                  // bytes that never occur in UTF-8
                  case 1 ->
                      new byte[] {(byte) new int[] {0xc0, 0xc1, 0xf5, 0xf8, 0xfe, 0xff}[b % 6]};
                  // a two-byte lead followed by no continuation
                  case 2 -> new byte[] {(byte) (0xc2 + b % 30), 'x'};
                  // a three-byte sequence cut short
                  case 3 -> new byte[] {(byte) (0xe1 + b % 12), (byte) 0x80, 'x'};
                  // overlong encoding of '/'
                  case 4 -> new byte[] {(byte) 0xc0, (byte) 0xaf};
                  // an encoded surrogate
                  case 5 -> new byte[] {(byte) 0xed, (byte) (0xa0 + b % 32), (byte) 0x80};
                  // above U+10FFFF
                  default ->
                      new byte[] {(byte) 0xf4, (byte) (0x90 + b % 48), (byte) 0x80, (byte) 0x80};
                });
  }

  @Test
  void invalidBytesAreRefusedNamingTheFileAndLine() {
    qt().forAll(settings(), integers().all(), integers().between(0, 1000), invalidSequences())
        .checkAssert(
            (settings, seed, pick, invalid) -> {
              byte[] valid = format(settings, seed).getBytes(UTF_8);
              List<Integer> lineStarts = new ArrayList<>();
              lineStarts.add(0);
              for (int i = 0; i < valid.length; i++) {
                if (valid[i] == '\n') {
                  lineStarts.add(i + 1);
                }
              }
              int line = pick % lineStarts.size();
              int at = lineStarts.get(line);
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              out.write(valid, 0, at);
              out.writeBytes(invalid);
              out.write(valid, at, valid.length - at);
              assertThatThrownBy(() -> parse(out.toByteArray()))
                  .isInstanceOf(CliException.class)
                  .hasMessageContaining(SHOWN + " line " + (line + 1) + ": invalid UTF-8");
            });
  }

  @Test
  void arbitraryBytesParseOrFailAsAConfigurationError() {
    qt().forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 200))
        .checkAssert(
            list -> {
              byte[] bytes = new byte[list.size()];
              for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (int) list.get(i);
              }
              try {
                parse(bytes);
              } catch (CliException e) {
                assertThat(e.getMessage()).startsWith(SHOWN + " line ").doesNotContain("\n");
              }
            });
  }

  @Test
  void otherMistakesAreRefusedWithoutShowingValues() {
    assertThatThrownBy(() -> parse("url=file:/a\npassphrase hunter2\n"))
        .hasMessage(
            SHOWN
                + " line 2: expected name=value (as in passphrase=...); ':' and spaces do not"
                + " separate a name from its value here")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> parse("key: s3cr3t\n")).hasMessageNotContaining("s3cr3t");
    assertThatThrownBy(() -> parse("=x\n")).hasMessageContaining("line 1: invalid name (empty)");
    assertThatThrownBy(() -> parse("key file=x\n")).hasMessageContaining("invalid name 'key file'");
    assertThatThrownBy(() -> parse("url=a\u0000b\n"))
        .hasMessageContaining("line 1: control character U+0000");
    assertThatThrownBy(() -> parse("url=a\rb\n")).hasMessageContaining("U+000D");
  }

  @Test
  void valuesAreTakenLiterally() throws Exception {
    assertThat(parse("\uFEFFkey-file = C:\\keys\\k1 \nurl=file:/a#b\n# url=ignored\n"))
        .containsExactly(Map.entry("key-file", "C:\\keys\\k1"), Map.entry("url", "file:/a#b"));
  }
}
