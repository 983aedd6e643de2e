package dev.walarchive.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;

/**
 * Wraps usage help at spaces only. picocli breaks lines where {@link java.text.BreakIterator}
 * allows, which splits {@code %p}, {@code gs://bucket} and {@code key-file.<id>} across lines. So
 * the help is rendered without a width limit and then wrapped here: a long line breaks at a space,
 * continuing under its description column (two further spaces in, as picocli indents), and a word
 * longer than the line is kept whole.
 */
final class HelpLayout {
  /** The width help is wrapped to. */
  static final int WIDTH = 80;

  private static final int UNLIMITED = 1000;
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

  private HelpLayout() {}

  /** Makes {@code cl} and its subcommands wrap their help with {@link #wrap}. */
  static void install(CommandLine cl) {
    // plain text: columns are counted in characters, and colours would shift them on a terminal
    cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
    cl.setUsageHelpWidth(UNLIMITED);
    install(cl, 0);
  }

  private static void install(CommandLine cl, int depth) {
    Map<String, IHelpSectionRenderer> sections = new LinkedHashMap<>();
    cl.getHelpSectionMap()
        .forEach(
            (key, renderer) -> {
              boolean synopsis =
                  key.equals(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS);
              sections.put(
                  key,
                  help -> {
                    String text = renderer.render(help);
                    if (!synopsis) {
                      return wrap(text, WIDTH, -1);
                    }
                    // the heading ("Usage: ") is a section of its own, printed on the same line
                    String heading = help.synopsisHeading();
                    int hang = (heading + help.commandSpec().qualifiedName() + " ").length();
                    return wrap(heading + text, WIDTH, hang).substring(heading.length());
                  });
            });
    cl.setHelpSectionMap(sections);
    if (depth < 4) {
      for (CommandLine sub : cl.getSubcommands().values()) {
        install(sub, depth + 1);
      }
    }
  }

  /**
   * Wraps each line of {@code text} that is longer than {@code width} at spaces. Continuation lines
   * are indented by {@code hang} if it is not negative, else two columns past the line's
   * description column (the first text after a run of two or more spaces in its first half), else
   * as far as the line itself.
   */
  static String wrap(String text, int width, int hang) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\r?\n", -1)) {
      out.addAll(wrapLine(line, width, hang));
    }
    return String.join(System.lineSeparator(), out);
  }

  static List<String> wrapLine(String line, int width, int hang) {
    List<String> out = new ArrayList<>();
    if (visibleLength(line) <= width) {
      out.add(line);
      return out;
    }
    int lead = 0;
    while (lead < line.length() && line.charAt(lead) == ' ') {
      lead++;
    }
    int description = descriptionColumn(line, lead, width);
    int indent = hang >= 0 ? hang : description == lead ? lead : description + 2;
    String rest = line;
    int minBreak = hang >= 0 ? Math.max(hang - 1, lead) : description;
    while (visibleLength(rest) > width) {
      int p = breakAt(rest, width, minBreak);
      if (p < 0) {
        break;
      }
      out.add(rest.substring(0, p).stripTrailing());
      rest = " ".repeat(indent) + rest.substring(p).stripLeading();
      minBreak = indent;
    }
    out.add(rest);
    return out;
  }

  /** Column where a line's description starts after its label, or {@code lead} if it has none. */
  private static int descriptionColumn(String line, int lead, int width) {
    int limit = Math.min(line.length(), width / 2);
    for (int i = lead + 3; i < limit; i++) {
      if (line.charAt(i) != ' ' && line.charAt(i - 1) == ' ' && line.charAt(i - 2) == ' ') {
        return i;
      }
    }
    return lead;
  }

  /**
   * The index of the space to break {@code s} at: the last one after {@code min} that leaves at
   * most {@code width} visible characters, else the first one after {@code min} (a long word stays
   * whole); -1 if there is none. Spaces inside single quotes ({@code 'walarchive wal-fetch %f %p'})
   * are not break points: a quoted command stays on one line, ready to copy.
   */
  private static int breakAt(String s, int width, int min) {
    int best = -1;
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'') {
        if (!quoted) {
          quoted =
              (i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1))) && s.indexOf('\'', i + 1) > 0;
        } else if (i + 1 == s.length() || !Character.isLetterOrDigit(s.charAt(i + 1))) {
          quoted = false;
        }
      } else if (c == ' ' && !quoted && i > min && s.charAt(i - 1) != ' ') {
        if (visibleLength(s.substring(0, i)) <= width) {
          best = i;
        } else {
          return best >= 0 ? best : i;
        }
      }
    }
    return best;
  }

  private static int visibleLength(String s) {
    return s.indexOf('\u001B') < 0 ? s.length() : ANSI.matcher(s).replaceAll("").length();
  }
}
