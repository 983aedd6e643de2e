package dev.walarchive.core.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Objects written by format v1 with fixed keys and a fixed salt source, committed under {@code
 * src/test/resources/format-v1/}: every version must keep decoding them, and this version must
 * still encode them byte for byte.
 *
 * <p>The committed files are the truth; {@link #SPECS} only generates them. To add a vector, add a
 * spec and run this test with {@code -Dwalarchive.format.writeVectors=<absolute path of
 * src/test/resources/format-v1>}; never regenerate existing vectors. Should a zstd upgrade change
 * its output for the same level, the byte-exact encode check of the zstd vectors fails while their
 * decode check must still pass: then mark those vectors {@code encodeExact=false} rather than
 * regenerating them.
 */
class KnownAnswerVectorsTest {
  private static final String DIR = "/format-v1/";

  record Spec(
      String name,
      String fileName,
      String compression,
      String keyring,
      int chunkSize,
      int saltByte,
      byte[] input) {}

  private static final List<Spec> SPECS =
      List.of(
          new Spec("plain-empty", "000000010000000000000001", "none", "none", 64, 0, new byte[0]),
          new Spec(
              "plain-history",
              "00000002.history",
              "none",
              "none",
              64,
              0,
              "1\t0/3000148\tbefore 2026-11-21 12:00:00+00\n".repeat(3).getBytes(UTF_8)),
          new Spec(
              "zstd-multichunk",
              "000000010000000000000002",
              "zstd:3",
              "none",
              64,
              0,
              Objects.plaintext(1000, 11, true)),
          new Spec(
              "aes-raw-empty",
              "000000010000000000000003",
              "none",
              "raw:k1:" + Base64.getEncoder().encodeToString(Objects.KEY_1),
              64,
              0x10,
              new byte[0]),
          new Spec(
              "aes-raw-multichunk",
              "000000010000000000000004",
              "none",
              "raw:k1:" + Base64.getEncoder().encodeToString(Objects.KEY_1),
              64,
              0x20,
              Objects.plaintext(300, 12, false)),
          new Spec(
              "zstd-aes-raw",
              "000000010000000A000000FF",
              "zstd:3",
              "raw:prod-2026:" + Base64.getEncoder().encodeToString(Objects.KEY_2),
              64,
              0x30,
              Objects.plaintext(2000, 13, true)),
          new Spec(
              "zstd-aes-passphrase",
              "000000030000000100000000.partial",
              "zstd:1",
              "passphrase:pass.1:correct horse battery staple:256:2:1",
              128,
              0x40,
              Objects.plaintext(1500, 14, true)),
          new Spec(
              "zstd-aes-default-chunks",
              "0000000100000002000000A0.00000028.backup",
              "zstd:3",
              "raw:k1:" + Base64.getEncoder().encodeToString(Objects.KEY_1),
              ObjectCodec.DEFAULT_CHUNK_SIZE,
              0x50,
              Objects.plaintext(100_000, 15, true)));

  static Stream<String> vectors() throws IOException {
    Properties properties = properties();
    TreeSet<String> names = new TreeSet<>();
    for (String key : properties.stringPropertyNames()) {
      names.add(key.substring(0, key.indexOf('.')));
    }
    return names.stream();
  }

  @Test
  void allVectorsAreCommitted() throws IOException {
    List<String> expected = new ArrayList<>();
    SPECS.forEach(s -> expected.add(s.name()));
    assertThat(vectors()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest
  @MethodSource("vectors")
  void committedObjectsDecode(String name) throws IOException {
    Properties p = properties();
    ObjectCodec codec = codec(p, name);
    byte[] object = resource(name + ".object");
    byte[] input = resource(name + ".input");

    try (InputStream in =
        codec.decode(p.getProperty(name + ".fileName"), new ByteArrayInputStream(object))) {
      assertThat(in.readAllBytes()).isEqualTo(input);
    }
    ObjectHeader header = codec.readHeader(new ByteArrayInputStream(object));
    assertThat(header.digest().toString()).isEqualTo(p.getProperty(name + ".digest"));
    assertThat(header.plaintextLength()).isEqualTo(input.length);
    assertThat(header.fileName()).isEqualTo(p.getProperty(name + ".fileName"));
  }

  @ParameterizedTest
  @MethodSource("vectors")
  void encodingTheInputsGivesTheCommittedBytes(String name) throws IOException {
    Properties p = properties();
    if (!Boolean.parseBoolean(p.getProperty(name + ".encodeExact", "true"))) {
      return;
    }
    byte[] object = resource(name + ".object");
    byte[] encoded =
        Objects.encode(
            codec(p, name), p.getProperty(name + ".fileName"), resource(name + ".input"));
    assertThat(encoded).isEqualTo(object);
  }

  @Test
  void writeVectorsWhenAsked() throws IOException {
    String target = System.getProperty("walarchive.format.writeVectors");
    if (target == null) {
      return;
    }
    Path dir = Path.of(target);
    Files.createDirectories(dir);
    Properties p = new Properties();
    Path propertiesFile = dir.resolve("vectors.properties");
    if (Files.exists(propertiesFile)) {
      try (Reader reader = Files.newBufferedReader(propertiesFile, UTF_8)) {
        p.load(reader);
      }
    }
    for (Spec spec : SPECS) {
      if (p.getProperty(spec.name() + ".fileName") != null) {
        continue; // never regenerate a committed vector
      }
      p.setProperty(spec.name() + ".fileName", spec.fileName());
      p.setProperty(spec.name() + ".compression", spec.compression());
      p.setProperty(spec.name() + ".keyring", spec.keyring());
      p.setProperty(spec.name() + ".chunkSize", Integer.toString(spec.chunkSize()));
      p.setProperty(spec.name() + ".saltByte", Integer.toString(spec.saltByte()));
      ObjectCodec codec = codec(p, spec.name());
      byte[] object = Objects.encode(codec, spec.fileName(), spec.input());
      p.setProperty(
          spec.name() + ".digest",
          codec.digestOf(new ByteArrayInputStream(spec.input())).toString());
      Files.write(dir.resolve(spec.name() + ".input"), spec.input());
      Files.write(dir.resolve(spec.name() + ".object"), object);
    }
    // sorted and without a timestamp, so that adding a vector changes only its own lines
    try (Writer writer = Files.newBufferedWriter(propertiesFile, UTF_8)) {
      writer.write(
          "# walarchive object format v1 known-answer vectors; see KnownAnswerVectorsTest\n");
      for (String key : new TreeSet<>(p.stringPropertyNames())) {
        writer.write(key + "=" + p.getProperty(key).replace("\\", "\\\\") + "\n");
      }
    }
  }

  private static ObjectCodec codec(Properties p, String name) {
    int saltByte = Integer.parseInt(p.getProperty(name + ".saltByte"));
    ObjectCodec.RandomSource salts =
        bytes -> {
          for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (saltByte + i);
          }
        };
    return new ObjectCodec(
        Compression.parse(p.getProperty(name + ".compression")),
        keyring(p.getProperty(name + ".keyring")),
        salts,
        Integer.parseInt(p.getProperty(name + ".chunkSize")));
  }

  private static Keyring keyring(String spec) {
    String[] parts = spec.split(":");
    return switch (parts[0]) {
      case "none" -> Keyring.none();
      case "raw" -> Keyring.builder().addKey(parts[1], Keyring.decodeBase64Key(parts[2])).build();
      case "passphrase" ->
          Keyring.builder()
              .addPassphrase(
                  parts[1],
                  parts[2].toCharArray(),
                  Integer.parseInt(parts[3]),
                  Integer.parseInt(parts[4]),
                  Integer.parseInt(parts[5]))
              .build();
      default -> throw new IllegalArgumentException(spec);
    };
  }

  private static Properties properties() throws IOException {
    Properties p = new Properties();
    try (InputStream in =
        KnownAnswerVectorsTest.class.getResourceAsStream(DIR + "vectors.properties")) {
      if (in != null) {
        p.load(new java.io.InputStreamReader(in, UTF_8));
      }
    }
    return p;
  }

  private static byte[] resource(String name) {
    try (InputStream in = KnownAnswerVectorsTest.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + DIR + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
