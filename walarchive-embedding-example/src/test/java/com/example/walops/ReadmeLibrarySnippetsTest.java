package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's Library section keeps its promise: every Java snippet says where its types come
 * from, and the five types it names are imported where they are used.
 */
class ReadmeLibrarySnippetsTest {
  @Test
  void everyJavaSnippetOfTheLibrarySectionImportsTheWalarchiveTypesItUses() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    int start = readme.indexOf("\n## Library\n");
    int end = readme.indexOf("\n## ", start + 1);
    assertThat(start).isPositive();
    String section = readme.substring(start, end);
    List<String> snippets = new ArrayList<>();
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(section);
    while (m.find()) {
      snippets.add(m.group(1));
    }
    assertThat(snippets).hasSizeGreaterThanOrEqualTo(5);
    List<String> types =
        List.of(
            "WalArchive",
            "ArchiveStorages",
            "Keyring",
            "RetentionPolicy",
            "RetentionPlan",
            "WalFileName",
            "Lsn",
            "WalSegmentSize",
            "TestWal",
            "WalArchiveExtension",
            "S3TestServer");
    for (String snippet : snippets) {
      assertThat(snippet).contains("import ");
      String code = snippet.replaceAll("(?m)^import .*$", "");
      for (String type : types) {
        if (Pattern.compile("\\b" + type + "\\b[.(<\\s]").matcher(code).find()) {
          assertThat(snippet)
              .as("a snippet uses %s", type)
              .containsPattern("import [a-z0-9.]+\\." + type + ";");
        }
      }
    }
  }
}
