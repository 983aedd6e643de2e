package dev.walarchive.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The javadoc examples of the test kit, compiled and run here; each test also checks that the
 * javadoc shows exactly the lines between its {@code // example} markers.
 */
@ExtendWith(WalArchiveExtension.class)
class JavadocExamplesTest {
  @Test
  void testWalClassExample(WalArchive archive, @TempDir Path dir) throws IOException {
    // example start
    Path segment = TestWal.writeSegment(dir, 1, 3, WalSegmentSize.ofMegabytes(1));
    Path backup =
        TestWal.writeBackupHistory(
            dir,
            1,
            Lsn.parse("0/300028"),
            Instant.parse("2026-01-01T00:00:00Z"),
            WalSegmentSize.ofMegabytes(1));
    Path history =
        TestWal.writeTimelineHistory(
            dir, TimelineHistory.ofFirstTimeline().branch(2, Lsn.parse("0/380000"), "promoted"));
    archive.push(segment);
    archive.push(backup);
    archive.push(history);
    // example end
    assertThat(archive.inventory().entries()).hasSize(3);
    assertJavadocShows("TestWal.java", 0, "testWalClassExample");
  }

  @Test
  void extensionClassExample(WalArchive archive, @TempDir Path dir) throws IOException {
    // example start
    Path segment = TestWal.writeSegment(dir, 1, 1, WalSegmentSize.DEFAULT);
    archive.push(segment);
    assertThat(archive.inventory().entries()).hasSize(1);
    // example end
    assertJavadocShows("WalArchiveExtension.java", 0, "extensionClassExample");
  }

  /** The {@code index}th {@code <pre>{@code ...}</pre>} block of a main source file. */
  static List<String> javadocBlock(String file, int index) throws IOException {
    List<String> lines =
        Files.readAllLines(Path.of("src/main/java/dev/walarchive/testkit").resolve(file));
    int seen = -1;
    List<String> block = null;
    for (String line : lines) {
      String text = line.strip();
      text = text.startsWith("*") ? text.substring(1) : text;
      if (text.strip().equals("<pre>{@code")) {
        seen++;
        block = seen == index ? new ArrayList<>() : null;
      } else if (text.strip().equals("}</pre>")) {
        if (block != null) {
          return normalise(block);
        }
      } else if (block != null) {
        block.add(text);
      }
    }
    throw new AssertionError("no example " + index + " in " + file);
  }

  /** The lines between the example markers of a method of this test class. */
  static List<String> exampleOf(String method) throws IOException {
    List<String> lines =
        Files.readAllLines(
            Path.of(
                "src/test/java/dev/walarchive/testkit/"
                    + JavadocExamplesTest.class.getSimpleName()
                    + ".java"));
    List<String> block = null;
    boolean inMethod = false;
    for (String line : lines) {
      if (line.contains("void " + method + "(")) {
        inMethod = true;
      } else if (inMethod && line.strip().equals("// example start")) {
        block = new ArrayList<>();
      } else if (block != null && line.strip().equals("// example end")) {
        return normalise(block);
      } else if (block != null) {
        block.add(line);
      }
    }
    throw new AssertionError("no example in " + method);
  }

  private static void assertJavadocShows(String file, int index, String method) throws IOException {
    List<String> javadoc = javadocBlock(file, index);
    List<String> example = exampleOf(method);
    assertThat(String.join("\n", javadoc)).contains(String.join("\n", example));
  }

  /**
   * Joins the lines into one and collapses whitespace, so indentation and wrapping do not count.
   */
  private static List<String> normalise(List<String> lines) {
    String joined = String.join(" ", lines).replaceAll("\\s+", " ").strip();
    joined = joined.replace("( ", "(").replace(" )", ")");
    return List.of(joined);
  }
}
