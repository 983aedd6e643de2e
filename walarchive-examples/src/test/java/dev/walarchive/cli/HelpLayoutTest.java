package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Help is wrapped at spaces only, under its description column, with quoted commands whole. */
class HelpLayoutTest {
  @Test
  void aLongOptionDescriptionContinuesTwoColumnsPastItsDescriptionColumn() {
    String line =
        "      --url=URL             Archive URL: file:/path, s3://bucket/prefix,"
            + " gs://bucket/prefix, az://account/container/prefix (env WALARCHIVE_URL).";
    assertThat(HelpLayout.wrapLine(line, 80, -1))
        .containsExactly(
            "      --url=URL             Archive URL: file:/path, s3://bucket/prefix,",
            "                              gs://bucket/prefix, az://account/container/prefix",
            "                              (env WALARCHIVE_URL).");
  }

  @Test
  void aQuotedCommandAndAWordLongerThanTheLineStayWhole() {
    String quoted =
        "Archives one WAL file (for archive_command = 'walarchive wal-push --config x %p'). Done.";
    List<String> lines = HelpLayout.wrapLine(quoted, 60, -1);
    assertThat(lines).anyMatch(l -> l.contains("'walarchive wal-push --config x %p'"));
    assertThat(lines).allMatch(l -> l.length() <= 60);
    String token = "x".repeat(100);
    assertThat(HelpLayout.wrapLine("a " + token + " b", 40, -1)).containsExactly("a", token, "b");
  }

  @Test
  void shortLinesAndLineEndsAreKept() {
    assertThat(HelpLayout.wrap("a\n\nb c", 80, -1))
        .isEqualTo(String.join(System.lineSeparator(), "a", "", "b c"));
  }
}
