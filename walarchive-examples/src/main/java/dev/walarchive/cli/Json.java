package dev.walarchive.cli;

import java.util.Collection;
import java.util.Map;

/** Minimal JSON writer for the CLI's machine-readable output. */
final class Json {
  private Json() {}

  /** An object from alternating names and values. */
  static String object(Object... namesAndValues) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(string(String.valueOf(namesAndValues[i]))).append(':');
      sb.append(value(namesAndValues[i + 1]));
    }
    return sb.append('}').toString();
  }

  static String value(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    if (v instanceof RawJson r) {
      return r.json();
    }
    if (v instanceof Collection<?> c) {
      StringBuilder sb = new StringBuilder("[");
      boolean first = true;
      for (Object o : c) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        sb.append(value(o));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        sb.append(string(String.valueOf(e.getKey()))).append(':').append(value(e.getValue()));
      }
      return sb.append('}').toString();
    }
    return string(v.toString());
  }

  /** Already-encoded JSON. */
  record RawJson(String json) {}

  static String string(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
