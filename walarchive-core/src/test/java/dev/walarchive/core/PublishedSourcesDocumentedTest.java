package dev.walarchive.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build check that every package of every published module has a {@code package-info.java} with
 * a javadoc comment, and every public top-level type a javadoc comment of its own (javadoc's
 * doclint, strict otherwise, checks neither). It reads the sources of all modules from the
 * repository, so it runs in core's build; a module added to the root POM must be listed here as
 * published or not.
 */
class PublishedSourcesDocumentedTest {
  /** The modules whose jars are published, with their sources under {@code src/main/java}. */
  static final List<String> PUBLISHED =
      List.of(
          "walarchive-core",
          "walarchive-testkit",
          "walarchive-s3",
          "walarchive-s3-testkit",
          "walarchive-gcs",
          "walarchive-gcs-testkit",
          "walarchive-azure",
          "walarchive-azure-testkit",
          "walarchive-postgres",
          "walarchive-examples");

  /** Modules of the root POM with no published API of their own. */
  static final Set<String> NOT_PUBLISHED =
      Set.of("walarchive-bom", "walarchive-benchmarks", "walarchive-embedding-example");

  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern PUBLIC_TYPE =
      Pattern.compile(
          "(?m)^public\\s+(?:(?:final|abstract|sealed|non-sealed|strictfp)\\s+)*"
              + "(?:class|interface|enum|record|@interface)\\s+(\\w+)");

  private static Path root() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path pom = root.resolve("pom.xml");
    assertThat(
            Files.isRegularFile(pom) && Files.readString(pom, UTF_8).contains("walarchive-parent"))
        .as(
            "the repository root (walarchive-parent's pom.xml) above %s",
            Path.of("").toAbsolutePath())
        .isTrue();
    return root;
  }

  @Test
  void everyModuleOfTheRootPomIsPublishedOrNot() throws IOException {
    Matcher m = MODULE.matcher(Files.readString(root().resolve("pom.xml"), UTF_8));
    List<String> unlisted = new ArrayList<>();
    while (m.find()) {
      String module = m.group(1).trim();
      if (!PUBLISHED.contains(module) && !NOT_PUBLISHED.contains(module)) {
        unlisted.add(module);
      }
    }
    assertThat(unlisted).as("modules listed in neither PUBLISHED nor NOT_PUBLISHED").isEmpty();
  }

  @Test
  void everyPublishedPackageHasPackageInfoWithJavadoc() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path dir : packageDirectories()) {
      Path info = dir.resolve("package-info.java");
      if (!Files.isRegularFile(info)) {
        problems.add(dir + ": no package-info.java");
      } else if (!hasJavadocBefore(Files.readString(info, UTF_8), "package ")) {
        problems.add(info + ": no javadoc comment before the package declaration");
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyPublicTopLevelTypeHasJavadoc() throws IOException {
    List<String> problems = new ArrayList<>();
    int types = 0;
    for (Path dir : packageDirectories()) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          String source = Files.readString(file, UTF_8);
          Matcher m = PUBLIC_TYPE.matcher(source);
          if (m.find()) {
            types++;
            if (!hasJavadocBefore(source.substring(0, m.start()))) {
              problems.add(file + ": public type " + m.group(1) + " has no javadoc comment");
            }
          }
        }
      }
    }
    assertThat(types).as("public top-level types found").isGreaterThan(50);
    assertThat(problems).isEmpty();
  }

  @Test
  void theCheckTellsAMissingCommentFromAPresentOne() {
    assertThat(
            hasJavadocBefore("package a;\n\n/** Doc. */\n@Deprecated\n@SuppressWarnings(\"x\")\n"))
        .isTrue();
    assertThat(hasJavadocBefore("package a;\n\n/* not javadoc */\n")).isFalse();
    assertThat(hasJavadocBefore("/** {@code a/*.b} c. */\n@A(\n    x = {\"y\"})\n")).isTrue();
    assertThat(hasJavadocBefore("/** Doc. */\npackage a;\n\nimport b.C;\n")).isFalse();
    assertThat(hasJavadocBefore("package a;\n\nimport b.C;\n\n@Deprecated\n")).isFalse();
    assertThat(hasJavadocBefore("// a line\npackage a;\n", "package ")).isFalse();
    assertThat(hasJavadocBefore("/**\n * A package.\n */\npackage a;\n", "package ")).isTrue();
  }

  private static List<Path> packageDirectories() throws IOException {
    Path root = root();
    Set<Path> dirs = new TreeSet<>();
    for (String module : PUBLISHED) {
      Path sources = root.resolve(module).resolve("src/main/java");
      assertThat(sources).as("sources of published module %s", module).isDirectory();
      try (Stream<Path> files = Files.walk(sources)) {
        files
            .filter(f -> f.toString().endsWith(".java"))
            .forEach(f -> dirs.add(root.relativize(f.getParent())));
      }
    }
    assertThat(dirs).as("packages of the published modules").isNotEmpty();
    return dirs.stream().map(root::resolve).toList();
  }

  /** Whether the text before {@code marker} ends with a javadoc comment. */
  private static boolean hasJavadocBefore(String source, String marker) {
    int at = source.indexOf("\n" + marker);
    return hasJavadocBefore(
        source.startsWith(marker) ? "" : at < 0 ? source : source.substring(0, at + 1));
  }

  /**
   * Whether {@code before} (the text before a declaration) ends with a javadoc comment, followed
   * only by annotations: its last comment is a {@code /**} comment, and after it come no imports,
   * no package declaration, nothing but annotations.
   */
  private static boolean hasJavadocBefore(String before) {
    int lastStart = -1;
    int lastEnd = -1;
    for (int i = 0; i < before.length() - 1; i++) {
      if (before.startsWith("//", i)) {
        int eol = before.indexOf('\n', i);
        i = eol < 0 ? before.length() : eol;
      } else if (before.startsWith("/*", i)) {
        int close = before.indexOf("*/", i + 2);
        if (close < 0) {
          return false;
        }
        lastStart = i;
        lastEnd = close + 2;
        i = close + 1;
      }
    }
    if (lastStart < 0
        || !before.startsWith("/**", lastStart)
        || before.startsWith("/**/", lastStart)) {
      return false;
    }
    String after = before.substring(lastEnd).strip();
    return after.isEmpty()
        || (after.startsWith("@") && !after.matches("(?s).*\\b(import|package)\\s.*"));
  }
}
