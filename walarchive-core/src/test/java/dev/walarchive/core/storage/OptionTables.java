package dev.walarchive.core.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A backend's option table in the README, made from its option descriptions ({@link OptionSpec}),
 * for tests that keep the README in step with the code: {@link #assertReadmeMatches}.
 */
public final class OptionTables {
  /** The header of every option table. */
  public static final String HEADER =
      "| option | environment | default | meaning |\n|---|---|---|---|\n";

  private static final Pattern SINGLE_VALUE = Pattern.compile("`([^`]+)`");

  private OptionTables() {}

  /** The Markdown table: one row per option, in the order given. */
  public static String markdown(List<OptionSpec> specs) {
    StringBuilder sb = new StringBuilder(HEADER);
    for (OptionSpec s : specs) {
      sb.append("| `")
          .append(s.name())
          .append("` | `")
          .append(s.environmentVariable())
          .append("` | ")
          .append(s.defaultValue())
          .append(" | ")
          .append(s.description())
          .append(" |\n");
    }
    return sb.toString();
  }

  /**
   * Fails unless the README of the repository (found upwards from the working directory) holds
   * exactly {@link #markdown}{@code (specs)} as the option table of the backend whose options start
   * with the specs' prefix. The message shows the table to paste.
   */
  public static void assertReadmeMatches(List<OptionSpec> specs) {
    String prefix = specs.get(0).prefix();
    String readme = read(readme());
    String expected = markdown(specs);
    String actual = table(readme, prefix);
    if (!expected.equals(actual)) {
      throw new AssertionError(
          "the README's table of the "
              + prefix
              + "* options differs from the option descriptions; replace it with:\n"
              + expected
              + "\nREADME has:\n"
              + actual);
    }
  }

  /**
   * The options whose documented default is one value in backticks ({@code `20m`}) and whose type
   * has a grammar, with that value: a backend's test parses each and compares the result with its
   * configuration's real default.
   */
  public static Map<String, String> documentedDefaults(List<OptionSpec> specs) {
    Map<String, String> defaults = new java.util.LinkedHashMap<>();
    for (OptionSpec s : specs) {
      Matcher m = SINGLE_VALUE.matcher(s.defaultValue());
      if (m.matches()
          && s.type() != OptionSpec.Type.STRING
          && s.type() != OptionSpec.Type.URL
          && s.type() != OptionSpec.Type.PATH
          && s.type() != OptionSpec.Type.SECRET_FILE) {
        defaults.put(s.name(), m.group(1));
      }
    }
    return defaults;
  }

  /**
   * Checks that each {@link #documentedDefaults documented default} is the real one: {@code parse}
   * of the option set to it gives what {@code parse} of no option gives.
   */
  public static void assertDocumentedDefaultsAreTheDefaults(
      List<OptionSpec> specs, Function<Map<String, String>, Object> parse) {
    Object defaults = parse.apply(Map.of());
    Map<String, String> documented = documentedDefaults(specs);
    if (documented.isEmpty()) {
      throw new AssertionError("no option of " + specs.get(0).prefix() + "* documents a default");
    }
    documented.forEach(
        (name, value) -> {
          Object withDefault = parse.apply(Map.of(name, value));
          if (!defaults.equals(withDefault)) {
            throw new AssertionError(
                name + " is documented with the default '" + value + "', which is not its default");
          }
        });
  }

  private static String table(String readme, String prefix) {
    List<String> lines = readme.lines().toList();
    for (int i = 0; i + 2 < lines.size(); i++) {
      if ((lines.get(i) + "\n" + lines.get(i + 1) + "\n").equals(HEADER)
          && lines.get(i + 2).startsWith("| `" + prefix)) {
        List<String> table = new ArrayList<>(List.of(lines.get(i), lines.get(i + 1)));
        for (int j = i + 2; j < lines.size() && lines.get(j).startsWith("|"); j++) {
          table.add(lines.get(j));
        }
        return String.join("\n", table) + "\n";
      }
    }
    return "(no table whose first row is a " + prefix + "* option)";
  }

  private static Path readme() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("README.md");
      if (Files.isRegularFile(candidate) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        if (read(candidate).contains("## Storage backends")) {
          return candidate;
        }
      }
    }
    throw new AssertionError("no README.md with a 'Storage backends' section above " + Path.of(""));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
