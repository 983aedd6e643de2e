package dev.walarchive.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: HELP and
 * TYPE lines at most once per family and before its samples, known types, samples of a family
 * contiguous, valid metric and label names, escaped label values, float values, no duplicate
 * series, a final newline. Throws {@link IllegalArgumentException} naming the line on any
 * violation.
 */
final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped");

  record Sample(String name, Map<String, String> labels, double value) {}

  private PrometheusText() {}

  static List<Sample> parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("exposition does not end with a newline");
    }
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    Set<String> helps = new HashSet<>();
    Set<String> finished = new HashSet<>();
    Set<String> series = new HashSet<>();
    String current = null;
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (n > 1 && line.isEmpty() && n == text.split("\n", -1).length) {
        break; // the final newline
      }
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          String family = parts[2];
          if (!NAME.matcher(family).matches()) {
            throw bad(n, "bad metric name " + family);
          }
          if (finished.contains(family) || family.equals(current)) {
            throw bad(n, parts[1] + " for " + family + " after its samples");
          }
          if (parts[1].equals("HELP")) {
            if (!helps.add(family)) {
              throw bad(n, "second HELP for " + family);
            }
          } else {
            if (parts.length != 4 || !TYPES.contains(parts[3])) {
              throw bad(n, "bad TYPE line");
            }
            if (types.put(family, parts[3]) != null) {
              throw bad(n, "second TYPE for " + family);
            }
          }
        }
        continue;
      }
      Sample s = sample(line, n);
      String family = familyOf(s.name(), types);
      if (!family.equals(current)) {
        if (current != null) {
          finished.add(current);
        }
        if (finished.contains(family)) {
          throw bad(n, "samples of " + family + " are not contiguous");
        }
        current = family;
      }
      if (!series.add(s.name() + s.labels())) {
        throw bad(n, "duplicate series " + s.name() + s.labels());
      }
      samples.add(s);
    }
    return samples;
  }

  private static String familyOf(String name, Map<String, String> types) {
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        String t = types.get(base);
        if ("histogram".equals(t) || "summary".equals(t)) {
          return base;
        }
      }
    }
    return name;
  }

  private static Sample sample(String line, int n) {
    Matcher m = NAME.matcher(line);
    if (!m.lookingAt()) {
      throw bad(n, "no metric name");
    }
    String name = m.group();
    int i = m.end();
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i < line.length() && line.charAt(i) == '}') {
          i++;
          break;
        }
        Matcher l = LABEL.matcher(line).region(i, line.length());
        if (!l.lookingAt()) {
          throw bad(n, "bad label name");
        }
        String label = l.group();
        i = l.end();
        if (i + 1 >= line.length() || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
          throw bad(n, "label " + label + " without =\"");
        }
        i += 2;
        StringBuilder value = new StringBuilder();
        while (true) {
          if (i >= line.length()) {
            throw bad(n, "unterminated label value");
          }
          char c = line.charAt(i++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            if (i >= line.length()) {
              throw bad(n, "dangling escape");
            }
            char e = line.charAt(i++);
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw bad(n, "bad escape \\" + e);
            }
          } else {
            value.append(c);
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw bad(n, "label " + label + " twice");
        }
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        } else if (i < line.length() && line.charAt(i) == '}') {
          i++;
          break;
        } else {
          throw bad(n, "expected , or } after a label");
        }
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw bad(n, "no space before the value");
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length < 1 || rest.length > 2) {
      throw bad(n, "expected a value and an optional timestamp");
    }
    double value = number(rest[0], n);
    if (rest.length == 2 && !rest[1].matches("-?\\d+")) {
      throw bad(n, "bad timestamp " + rest[1]);
    }
    return new Sample(name, labels, value);
  }

  private static double number(String s, int n) {
    switch (s) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        if (!s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")) {
          throw bad(n, "bad value " + s);
        }
        return Double.parseDouble(s);
    }
  }

  private static IllegalArgumentException bad(int line, String what) {
    return new IllegalArgumentException("line " + line + ": " + what);
  }
}
