package dev.walarchive.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A settings file, parsed strictly: UTF-8; one {@code name=value} per line; blank lines and lines
 * starting with {@code #} or {@code !} are ignored; spaces around the name and the value are
 * dropped; values are taken literally (no escapes, no continuation lines). Anything else is a
 * configuration error naming the file and the line: bytes that are not UTF-8, control characters, a
 * line without {@code =}, a name that is not {@code [A-Za-z0-9._-]+}, a name given twice. Messages
 * never show a value, which may be a secret.
 *
 * <p>{@link java.util.Properties} is not used: it silently keeps the last of duplicate names and
 * reads any byte.
 */
final class PropertiesFile {
  /** Larger files are refused: a settings file is a few lines. */
  static final int MAX_BYTES = 1 << 20;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  /** One setting and the line (from 1) it is on. */
  record Entry(String name, String value, int line) {}

  private final String shown;
  private final Map<String, Entry> entries;

  private PropertiesFile(String shown, Map<String, Entry> entries) {
    this.shown = shown;
    this.entries = Collections.unmodifiableMap(entries);
  }

  /** A file with no settings. */
  static PropertiesFile empty() {
    return new PropertiesFile("(none)", new LinkedHashMap<>());
  }

  /**
   * Reads and parses {@code path}.
   *
   * @param what what the file is, for messages, e.g. {@code "configuration file"}
   * @param fix what to do if the file is missing, e.g. {@code "fix --config or WALARCHIVE_CONFIG"}
   * @throws CliException if the file is missing, a directory, unreadable, too large or invalid
   */
  static PropertiesFile read(Path path, String what, String fix) throws CliException {
    String shown = what + " " + path;
    if (Files.isDirectory(path)) {
      throw new CliException(shown + " is a directory, not a properties file; " + fix);
    }
    byte[] bytes;
    try {
      if (Files.size(path) > MAX_BYTES) {
        throw new CliException(shown + " is larger than " + MAX_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new CliException(shown + " does not exist; " + fix);
    } catch (AccessDeniedException e) {
      throw new CliException(
          shown
              + " is not readable by user "
              + System.getProperty("user.name")
              + "; give that user read access to it");
    } catch (CliException e) {
      throw e;
    } catch (IOException e) {
      throw new CliException("cannot read " + shown + ": " + Errors.oneLine(e));
    }
    return parse(shown, bytes);
  }

  /**
   * Parses {@code bytes}; {@code shown} names the file in messages, e.g. {@code "configuration file
   * /etc/walarchive.properties"}.
   */
  static PropertiesFile parse(String shown, byte[] bytes) throws CliException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    int start = 0;
    int lineNumber = 0;
    while (start < bytes.length) {
      lineNumber++;
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      String line = decode(decoder, bytes, start, end, shown, lineNumber);
      start = end + 1;
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (lineNumber == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      Entry entry = parseLine(line, shown, lineNumber);
      if (entry == null) {
        continue;
      }
      Entry earlier = entries.putIfAbsent(entry.name(), entry);
      if (earlier != null) {
        throw new CliException(
            shown
                + " line "
                + lineNumber
                + ": '"
                + entry.name()
                + "' is set twice (lines "
                + earlier.line()
                + " and "
                + lineNumber
                + "); keep one of them");
      }
    }
    return new PropertiesFile(shown, entries);
  }

  private static String decode(
      CharsetDecoder decoder, byte[] bytes, int start, int end, String shown, int lineNumber)
      throws CliException {
    ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
    CharBuffer out = CharBuffer.allocate(end - start);
    decoder.reset();
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int at = in.position();
      throw new CliException(
          shown
              + " line "
              + lineNumber
              + ": invalid UTF-8 (byte 0x"
              + String.format("%02X", bytes[at] & 0xff)
              + " at byte "
              + (at - start + 1)
              + " of the line); save the file as UTF-8");
    }
    out.flip();
    return out.toString();
  }

  private static Entry parseLine(String line, String shown, int lineNumber) throws CliException {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new CliException(
            shown
                + " line "
                + lineNumber
                + ": control character U+"
                + String.format("%04X", (int) c)
                + " at column "
                + (i + 1)
                + "; a line is name=value");
      }
    }
    String text = line.strip();
    if (text.isEmpty() || text.startsWith("#") || text.startsWith("!")) {
      return null;
    }
    int eq = text.indexOf('=');
    if (eq < 0) {
      // never show the text: "passphrase hunter2" would print the secret
      String first = text.split("[\\s:]", 2)[0];
      throw new CliException(
          shown
              + " line "
              + lineNumber
              + ": expected name=value"
              + (NAME.matcher(first).matches() ? " (as in " + first + "=...)" : "")
              + "; ':' and spaces do not separate a name from its value here");
    }
    String name = text.substring(0, eq).strip();
    if (!NAME.matcher(name).matches()) {
      throw new CliException(
          shown
              + " line "
              + lineNumber
              + ": invalid name"
              + (name.isEmpty() ? " (empty)" : " '" + printable(name) + "'")
              + "; names are made of letters, digits, '.', '-' and '_'");
    }
    return new Entry(name, text.substring(eq + 1).strip(), lineNumber);
  }

  private static String printable(String s) {
    String shortened = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return shortened.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** What the file is and its path, as messages show it. */
  String shown() {
    return shown;
  }

  /** The names set, in file order. */
  Set<String> names() {
    return entries.keySet();
  }

  /** The value of {@code name}, or null if the file does not set it. */
  String get(String name) {
    Entry e = entries.get(name);
    return e == null ? null : e.value();
  }

  /** The setting {@code name}, or null. */
  Entry entry(String name) {
    return entries.get(name);
  }

  /** Every setting, in file order. */
  Iterable<Entry> entries() {
    return entries.values();
  }
}
