package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's verify and listener snippets compile against walarchive-core as they are: each is
 * put into a method body (with an {@code archive} parameter unless it opens its own) and compiled.
 */
class ReadmeVerifySnippetsCompileTest {
  @TempDir Path out;

  @Test
  void theVerifyAndListenerSnippetsCompile() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    int start = readme.indexOf("\n### Verify, and feed your metrics\n");
    int end = readme.indexOf("\n### ", start + 1);
    assertThat(start).isPositive();
    Matcher m =
        Pattern.compile("```java\n(.*?)```", Pattern.DOTALL)
            .matcher(readme.substring(start, end));
    List<JavaFileObject> sources = new ArrayList<>();
    while (m.find()) {
      sources.add(source("Snippet" + sources.size(), m.group(1)));
    }
    assertThat(sources).hasSize(2);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    String classpath =
        Path.of(WalArchive.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    StringWriter errors = new StringWriter();
    boolean compiled =
        javac
            .getTask(
                errors,
                null,
                null,
                List.of("-classpath", classpath, "-d", out.toString(), "--release", "17"),
                null,
                sources)
            .call();
    assertThat(compiled).as("%s", errors).isTrue();
  }

  private static JavaFileObject source(String name, String snippet) {
    StringBuilder imports = new StringBuilder();
    StringBuilder body = new StringBuilder();
    for (String line : snippet.split("\n", -1)) {
      (line.startsWith("import ") ? imports : body).append(line).append('\n');
    }
    String parameter =
        body.toString().contains("WalArchive archive =")
            ? ""
            : "dev.walarchive.core.WalArchive archive";
    String code =
        imports
            + "class "
            + name
            + " {\n  void run("
            + parameter
            + ") throws Exception {\n"
            + body
            + "  }\n}\n";
    return new SimpleJavaFileObject(
        URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return code;
      }
    };
  }
}
