package dev.walarchive.core.storage.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.ArchiveStorageProvider;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionValues;
import java.net.URI;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The option syntax every storage backend shares, for {@link ArchiveStorageProvider}
 * implementations: how an archive URL's query and the {@code <backend>.*} options are collected,
 * and how the key prefix of an archive inside a bucket is written. Parse durations, sizes and
 * booleans with {@link OptionValues} (one grammar for every backend, the CLI and retention
 * policies).
 *
 * <p>Failures are an {@link IllegalArgumentException} that names the option or parameter and says
 * what would be valid; values of secret options are never shown.
 */
public final class StorageOptions {
  private StorageOptions() {}

  /**
   * Collects a backend's settings from the query of its archive URL and from the options.
   *
   * <p>URL query parameters ({@code ?name=value&...}, %-encoded; {@code +} is a plus sign) name an
   * option without the backend's prefix ({@code ?region=eu-west-1} sets {@code s3.region}). A
   * parameter that is unknown, a secret (URLs end up in logs and process lists), written with the
   * prefix, given twice or without {@code =value} is an error. Options whose names do not start
   * with {@code optionPrefix} are ignored (they belong to other parts of walarchive); an unknown
   * one that does is an error (most likely a typo). A setting given both in the URL and as an
   * option must have the same value in both. An empty value is an error (leave the option out to
   * get its default).
   *
   * <p>Messages name options and parameters and show the values of non-secret options only.
   *
   * @param url the archive URL; only its query is read
   * @param options option names to values, e.g. {@code s3.region=eu-west-1}; may hold secrets
   * @param optionPrefix the backend's option prefix, e.g. {@code s3.}
   * @param known every option of the backend, prefix included, in documentation order
   * @param secrets the options among {@code known} whose values are secret
   * @return the settings given, option name to value, in the order of {@code known}
   * @throws IllegalArgumentException naming the bad parameter or option
   */
  public static Map<String, String> collect(
      URI url,
      Map<String, String> options,
      String optionPrefix,
      List<String> known,
      Set<String> secrets) {
    requireNonNull(url, "url is null");
    requireNonNull(options, "options is null");
    requireNonNull(optionPrefix, "optionPrefix is null");
    requireNonNull(known, "known is null");
    requireNonNull(secrets, "secrets is null");
    String shown = ArchiveStorages.redact(url.toString());
    Map<String, String> fromUrl = new HashMap<>();
    String query = url.getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(shown, eq < 0 ? pair : pair.substring(0, eq));
        String option = optionPrefix + name;
        if (name.startsWith(optionPrefix) && known.contains(name)) {
          throw new IllegalArgumentException(
              "archive URL '"
                  + shown
                  + "': write parameter '"
                  + name
                  + "' without the "
                  + optionPrefix
                  + " prefix, e.g. ?"
                  + name.substring(optionPrefix.length())
                  + "=...");
        }
        if (secrets.contains(option)) {
          throw new IllegalArgumentException(
              "archive URL '"
                  + shown
                  + "' has the secret parameter '"
                  + name
                  + "' (value not shown); URLs end up in logs, so set it as option "
                  + option
                  + " instead");
        }
        if (!known.contains(option)) {
          List<String> parameters = urlParameters(optionPrefix, known, secrets);
          throw new IllegalArgumentException(
              "archive URL '"
                  + shown
                  + "' has unknown parameter '"
                  + name
                  + "'"
                  + closest(name, parameters).map(c -> " (did you mean " + c + "?)").orElse("")
                  + "; known: "
                  + String.join(", ", parameters));
        }
        if (eq < 0) {
          throw new IllegalArgumentException(
              "archive URL '"
                  + shown
                  + "': parameter '"
                  + name
                  + "' has no value; expected "
                  + name
                  + "=...");
        }
        if (fromUrl.put(option, decode(shown, pair.substring(eq + 1))) != null) {
          throw new IllegalArgumentException(
              "archive URL '" + shown + "' sets parameter '" + name + "' more than once");
        }
      }
    }
    Map<String, String> fromOptions = new HashMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      String option = e.getKey();
      if (option == null || !option.startsWith(optionPrefix)) {
        continue;
      }
      if (!known.contains(option)) {
        throw new IllegalArgumentException(
            "unknown option '"
                + option
                + "'"
                + closest(option, known).map(c -> " (did you mean " + c + "?)").orElse("")
                + "; known: "
                + String.join(", ", known));
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException("option " + option + " has no value");
      }
      fromOptions.put(option, e.getValue());
    }
    Map<String, String> settings = new LinkedHashMap<>();
    for (String option : known) {
      String inUrl = fromUrl.get(option);
      String given = fromOptions.get(option);
      if (inUrl != null && given != null && !inUrl.equals(given)) {
        throw new IllegalArgumentException(
            "option "
                + option
                + " is set both in the archive URL ('"
                + inUrl
                + "') and as an option ('"
                + given
                + "'); set it in one place");
      }
      String value = given != null ? given : inUrl;
      if (value == null) {
        continue;
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(
            "option " + option + " is empty; leave it out to use the default");
      }
      settings.put(option, value);
    }
    return settings;
  }

  /**
   * Like {@link #collect(URI, Map, String, List, Set)}, with the backend's options described as
   * data: the prefix, the names in documentation order and the secrets come from {@code specs}.
   * Values of the types {@link OptionSpec.Type#DURATION DURATION}, {@link OptionSpec.Type#SIZE
   * SIZE} and {@link OptionSpec.Type#BOOLEAN BOOLEAN} are checked against {@link OptionValues}'
   * grammar here, so a backend's own range checks only see well-formed values.
   *
   * @param specs every option of one backend; all with the same prefix
   * @throws IllegalArgumentException naming the bad parameter or option, or if {@code specs} is
   *     empty or mixes prefixes
   */
  public static Map<String, String> collect(
      URI url, Map<String, String> options, List<OptionSpec> specs) {
    requireNonNull(specs, "specs is null");
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("no option specs given");
    }
    String prefix = specs.get(0).prefix();
    List<String> known = new ArrayList<>();
    Set<String> secrets = new HashSet<>();
    for (OptionSpec spec : specs) {
      if (!spec.prefix().equals(prefix)) {
        throw new IllegalArgumentException(
            "option " + spec.name() + " does not start with " + prefix + " as the others do");
      }
      known.add(spec.name());
      if (spec.secret()) {
        secrets.add(spec.name());
      }
    }
    Map<String, String> settings = collect(url, options, prefix, known, secrets);
    for (OptionSpec spec : specs) {
      String value = settings.get(spec.name());
      if (value != null && !spec.secret()) {
        switch (spec.type()) {
          case DURATION -> OptionValues.parseDuration(spec.name(), value);
          case SIZE -> OptionValues.parseSize(spec.name(), value);
          case BOOLEAN -> OptionValues.parseBoolean(spec.name(), value);
          default -> {
            // the backend checks it
          }
        }
      }
    }
    return settings;
  }

  /**
   * The name among {@code candidates} closest to {@code name}, for a "did you mean" hint: the one
   * with the fewest single-character edits (insertions, deletions, substitutions, transpositions of
   * neighbours; case is ignored), if that is small for the length of {@code name} (1 for up to 4
   * characters, 2 for up to 8, else 3). A candidate that is {@code name} with a prefix ending in
   * {@code .} ({@code s3.region} for {@code region}) counts as one edit. Ties go to the candidate
   * that comes first.
   *
   * @return the closest candidate, or empty if none is close or {@code name} is itself a candidate
   */
  public static Optional<String> closest(String name, Collection<String> candidates) {
    requireNonNull(name, "name is null");
    requireNonNull(candidates, "candidates is null");
    if (candidates.contains(name)) {
      return Optional.empty();
    }
    String lower = name.toLowerCase(Locale.ROOT);
    int limit = lower.length() <= 4 ? 1 : lower.length() <= 8 ? 2 : 3;
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      String c = candidate.toLowerCase(Locale.ROOT);
      int d = c.endsWith("." + lower) ? 1 : editDistance(lower, c, limit);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return bestDistance <= limit ? Optional.of(best) : Optional.empty();
  }

  /**
   * Optimal string alignment distance of {@code a} and {@code b}; any value above {@code limit} is
   * reported as {@code limit + 1}.
   */
  private static int editDistance(String a, String b, int limit) {
    if (Math.abs(a.length() - b.length()) > limit) {
      return limit + 1;
    }
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return Math.min(d[a.length()][b.length()], limit + 1);
  }

  /**
   * Normalises the key prefix of an archive inside its bucket or container: slashes at either end
   * are dropped ({@code /prod/db1/} becomes {@code prod/db1}); what remains must be empty or a
   * valid storage key ({@link StorageKeys#checkKey}).
   *
   * @return the prefix without slashes at either end; may be empty
   * @throws IllegalArgumentException naming the prefix if a segment is empty, {@code .} or {@code
   *     ..}, or it has characters outside {@code [A-Za-z0-9._/-]}
   */
  public static String normalizePrefix(String prefix) {
    requireNonNull(prefix, "prefix is null");
    int start = 0;
    int end = prefix.length();
    while (start < end && prefix.charAt(start) == '/') {
      start++;
    }
    while (end > start && prefix.charAt(end - 1) == '/') {
      end--;
    }
    String p = prefix.substring(start, end);
    if (!p.isEmpty()) {
      try {
        StorageKeys.checkKey(p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "invalid prefix '"
                + prefix
                + "': expected up to 512 characters of [A-Za-z0-9._-] in '/'-separated segments,"
                + " none of them empty, '.' or '..'",
            e);
      }
    }
    return p;
  }

  private static List<String> urlParameters(
      String optionPrefix, List<String> known, Set<String> secrets) {
    return known.stream()
        .filter(o -> !secrets.contains(o))
        .map(o -> o.substring(optionPrefix.length()))
        .toList();
  }

  private static String decode(String shown, String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "archive URL '" + shown + "' has a badly %-encoded query parameter", e);
    }
  }
}
