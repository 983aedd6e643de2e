package dev.walarchive.postgres;

import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CommandAndSecretPropertiesTest {
  private static String shellQuote(String token) {
    return "'" + token.replace("'", "'\\''") + "'";
  }

  @Test
  void tokensUndoShellQuoting() {
    qt().withExamples(500)
        .forAll(
            lists().of(strings().basicLatinAlphabet().ofLengthBetween(0, 12)).ofSizeBetween(0, 6))
        .checkAssert(
            tokens -> {
              String command =
                  tokens.stream()
                      .map(CommandAndSecretPropertiesTest::shellQuote)
                      .collect(Collectors.joining(" "));
              assertThat(WalarchiveCommand.tokens(command)).isEqualTo(tokens);
            });
  }

  @Test
  void theArchiveUrlIsFoundWhateverItsQuoting() {
    qt().withExamples(300)
        .forAll(strings().allPossible().ofLengthBetween(1, 10))
        .checkAssert(
            prefix -> {
              String url = "s3://bucket/" + prefix.replace("\0", "");
              String command = "walarchive wal-push --url " + shellQuote(url) + " %p";
              WalarchiveCommand c = WalarchiveCommand.parse(command, "wal-push", "%p");
              assertThat(c.url).isEqualTo(url);
            });
  }

  @Test
  void aPasswordNeverAppearsInTheDescriptionOrInErrors() {
    qt().withExamples(300)
        .forAll(strings().allPossible().ofLengthBetween(8, 20))
        .checkAssert(
            random -> {
              String secret = "Sx9" + random;
              String encoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
              PgConnectionSettings ok =
                  PgConnectionSettings.fromUrl(
                      "postgresql://mon:" + encoded + "@127.0.0.1:5432/db", Map.of());
              assertThat(ok.toString()).doesNotContain(secret);
              assertThat(ok.hasPassword()).isTrue();
              for (String bad :
                  List.of(
                      "postgresql://mon:" + encoded + "@127.0.0.1:0/db",
                      "postgresql://mon:" + encoded + "/db",
                      "postgresql://mon:" + encoded + "@h/db?" + encoded,
                      "postgresql://mon:" + encoded + "@/var/run/x/db?host=/run",
                      "mysql://mon:" + encoded + "@h/db")) {
                try {
                  PgConnectionSettings.fromUrl(bad, Map.of("PGPASSWORD", secret));
                } catch (IllegalArgumentException e) {
                  // not even a part of it
                  assertThat(e.getMessage()).doesNotContain("Sx9");
                }
              }
            });
  }

  @Test
  void pgpassEscapesRoundTrip() {
    qt().withExamples(300)
        .forAll(lists().of(strings().basicLatinAlphabet().ofLengthBetween(0, 8)).ofSize(5))
        .checkAssert(
            fields -> {
              String line =
                  fields.stream()
                      .map(f -> f.replace("\\", "\\\\").replace(":", "\\:"))
                      .collect(Collectors.joining(":"));
              assertThat(PgConnectionSettings.PgPass.split(line)).isEqualTo(fields);
            });
  }
}
