package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A check of the build rather than of the example: walarchive-bom manages every artifact the
 * reactor publishes (each module that is not skipped for deploy, and its test-jar if it makes one),
 * and nothing else, so that importing the BOM is all a consumer needs for versions.
 */
class BomListsEveryPublishedArtifactTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void theBomManagesExactlyThePublishedArtifacts() throws Exception {
    Set<String> published = new TreeSet<>();
    for (String module : children(parse(ROOT.resolve("pom.xml")), "modules", "module")) {
      Path pom = ROOT.resolve(module).resolve("pom.xml");
      String text = Files.readString(pom);
      Document doc = parse(pom);
      String artifactId = text(doc.getDocumentElement(), "artifactId");
      String packaging = text(doc.getDocumentElement(), "packaging");
      if (text.contains("<maven.deploy.skip>true</maven.deploy.skip>")
          || "pom".equals(packaging)) {
        continue;
      }
      published.add(artifactId + ":jar");
      if (text.contains("<goal>test-jar</goal>")) {
        published.add(artifactId + ":test-jar");
      }
    }
    Set<String> managed = new TreeSet<>();
    Document bom = parse(ROOT.resolve("walarchive-bom/pom.xml"));
    NodeList deps = bom.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element dep = (Element) deps.item(i);
      String type = text(dep, "type");
      managed.add(text(dep, "artifactId") + ":" + (type == null ? "jar" : type));
    }
    assertThat(published).contains("walarchive-core:jar", "walarchive-testkit:jar");
    assertThat(managed).isEqualTo(published);
  }

  /**
   * A published test-jar has its own JPMS name ({@code <main>.test}): sharing the main jar's
   * Automatic-Module-Name would keep the two off one module path. (The jars themselves: {@code
   * unzip -p walarchive-s3/target/walarchive-s3-*-tests.jar META-INF/MANIFEST.MF}.)
   */
  @Test
  void everyTestJarIsGivenItsOwnAutomaticModuleName() throws Exception {
    List<String> withTestJar = new ArrayList<>();
    for (String module : children(parse(ROOT.resolve("pom.xml")), "modules", "module")) {
      Path pom = ROOT.resolve(module).resolve("pom.xml");
      String text = Files.readString(pom);
      if (!text.contains("<goal>test-jar</goal>")) {
        continue;
      }
      withTestJar.add(module);
      Element testJar = null;
      NodeList executions = parse(pom).getElementsByTagName("execution");
      for (int i = 0; i < executions.getLength(); i++) {
        Element e = (Element) executions.item(i);
        if (e.getTextContent().contains("test-jar")
            && e.getElementsByTagName("goal").item(0).getTextContent().strip().equals("test-jar")) {
          testJar = e;
        }
      }
      assertThat(testJar).as("%s: its test-jar execution", module).isNotNull();
      NodeList names = testJar.getElementsByTagName("Automatic-Module-Name");
      assertThat(names.getLength()).as("%s: the test-jar's Automatic-Module-Name", module).isOne();
      assertThat(names.item(0).getTextContent().strip())
          .isEqualTo("${walarchive.module.name}.test");
    }
    assertThat(withTestJar).contains("walarchive-core", "walarchive-s3");
  }

  private static Document parse(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }

  private static List<String> children(Document doc, String parent, String child) {
    List<String> result = new ArrayList<>();
    Element p = (Element) doc.getDocumentElement().getElementsByTagName(parent).item(0);
    NodeList list = p.getElementsByTagName(child);
    for (int i = 0; i < list.getLength(); i++) {
      result.add(list.item(i).getTextContent().strip());
    }
    return result;
  }

  /** The text of a direct child element, or null. */
  private static String text(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e.getTextContent().strip();
      }
    }
    return null;
  }
}
