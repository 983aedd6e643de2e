package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.spi.StorageOptions;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** Opens an {@link ArchiveStorage} by URL, choosing the backend by scheme. */
public final class ArchiveStorages {
  private ArchiveStorages() {}

  /**
   * Opens the storage for {@code url} with the provider registered for its scheme.
   *
   * <p>Every option must be one that a provider on the class path accepts ({@link
   * ArchiveStorageProvider#optionNames()}), whichever backend {@code url} names: an unknown option
   * is most likely misspelt, and an option of a backend that is not installed cannot apply.
   *
   * @throws IllegalArgumentException if the URL is malformed, no provider handles its scheme (the
   *     message lists the schemes available on the class path), or an option is unknown (the
   *     message names it and the closest known option)
   */
  public static ArchiveStorage open(String url, Map<String, String> options) throws IOException {
    requireNonNull(url, "url is null");
    requireNonNull(options, "options is null");
    URI uri;
    try {
      // "mem:" alone is how the docs name the in-memory store; java.net.URI needs a path after it
      uri = new URI(url.equalsIgnoreCase("mem:") ? "mem:/" : url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "invalid archive URL '" + redact(url) + "': " + e.getReason(), e);
    }
    String scheme = uri.getScheme();
    if (scheme == null) {
      throw new IllegalArgumentException(
          "archive URL '"
              + redact(url)
              + "' has no scheme; use e.g. file:/path or s3://bucket/prefix");
    }
    scheme = scheme.toLowerCase(Locale.ROOT);
    TreeSet<String> known = new TreeSet<>();
    TreeSet<String> optionNames = new TreeSet<>();
    ArchiveStorageProvider match = null;
    for (ArchiveStorageProvider provider : providers()) {
      optionNames.addAll(provider.optionNames());
      if (match == null && provider.scheme().equals(scheme)) {
        match = provider;
        if (options.isEmpty()) {
          break; // nothing to check against the other providers: load no more of them
        }
      }
      known.add(provider.scheme() + ":");
    }
    for (String option : options.keySet()) {
      if (!optionNames.contains(option)) {
        throw new IllegalArgumentException(unknownOption(option, optionNames));
      }
    }
    if (match != null) {
      return match.open(uri, options);
    }
    throw new IllegalArgumentException(
        "no storage backend for scheme '"
            + scheme
            + ":' in archive URL '"
            + redact(url)
            + "'; available: "
            + String.join(", ", known));
  }

  /**
   * Every storage option the providers on the class path accept ({@link
   * ArchiveStorageProvider#optionNames()}), sorted. An option of a backend that is not on the class
   * path is not among them.
   */
  public static SortedSet<String> optionNames() {
    TreeSet<String> names = new TreeSet<>();
    for (ArchiveStorageProvider provider : providers()) {
      names.addAll(provider.optionNames());
    }
    return Collections.unmodifiableSortedSet(names);
  }

  /**
   * The descriptions of every storage option the providers on the class path accept, provider by
   * provider in documentation order, each option once. An option of a provider that only names it
   * ({@link ArchiveStorageProvider#optionNames()}) is described as secret text.
   */
  public static List<OptionSpec> options() {
    Map<String, OptionSpec> specs = new LinkedHashMap<>();
    for (ArchiveStorageProvider provider : providers()) {
      for (OptionSpec spec : provider.options()) {
        specs.putIfAbsent(spec.name(), spec);
      }
      for (String name : provider.optionNames()) {
        if (!specs.containsKey(name)) {
          try {
            specs.put(name, OptionSpec.secret(name, OptionSpec.Type.STRING, "", ""));
          } catch (IllegalArgumentException e) {
            // a name no environment variable can carry: accepted by open, not read from the env
          }
        }
      }
    }
    return List.copyOf(specs.values());
  }

  /**
   * The storage options set in {@code environment} ({@code WALARCHIVE_S3_REGION=eu-west-1} as
   * {@code s3.region=eu-west-1}) for every provider on the class path, each option read from {@link
   * OptionSpec#environmentVariable() its variable} (a variable that starts like a backend's but is
   * none of its options is an error).
   *
   * @param environment variable names to values (such as {@link System#getenv()}); values may be
   *     secrets and are never shown
   * @return option names to values, sorted by name
   * @throws IllegalArgumentException naming a variable that starts like a backend's variables
   *     ({@code WALARCHIVE_S3_}) but is none of its options, and the closest one
   */
  public static SortedMap<String, String> optionsFromEnvironment(Map<String, String> environment) {
    requireNonNull(environment, "environment is null");
    return fromEnvironment(environment, options());
  }

  /**
   * The options set in {@code environment}: each option's {@link OptionSpec#environmentVariable()
   * variable} ({@code WALARCHIVE_S3_PATH_STYLE=true} is {@code s3.path-style=true}). A variable
   * that starts like those of a backend in {@code specs} ({@code WALARCHIVE_S3_} for the {@code
   * s3.*} options) but is none of them is an error, most likely a typo; other variables are ignored
   * (they belong to other parts of walarchive or to other programs). Values are passed on as they
   * are, an empty one included ({@link StorageOptions#collect} refuses it).
   *
   * @param environment variable names to values; values may be secrets and are never shown
   * @param specs the options of every backend that may be used
   * @return option names to values, sorted by name
   * @throws IllegalArgumentException naming the unknown variable and the closest known one
   */
  static SortedMap<String, String> fromEnvironment(
      Map<String, String> environment, Collection<OptionSpec> specs) {
    requireNonNull(environment, "environment is null");
    requireNonNull(specs, "specs is null");
    Map<String, String> byVariable = new HashMap<>();
    Set<String> variablePrefixes = new TreeSet<>();
    for (OptionSpec spec : specs) {
      byVariable.put(spec.environmentVariable(), spec.name());
      String p = spec.prefix();
      variablePrefixes.add(OptionSpec.environmentVariable(p.substring(0, p.length() - 1)) + "_");
    }
    SortedMap<String, String> result = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
      String option = byVariable.get(e.getKey());
      if (option != null) {
        result.put(option, e.getValue());
      } else if (variablePrefixes.stream().anyMatch(p -> e.getKey().startsWith(p))) {
        Optional<String> closest = StorageOptions.closest(e.getKey(), byVariable.keySet());
        throw new IllegalArgumentException(
            "environment variable "
                + e.getKey()
                + " is not a storage option"
                + closest.map(c -> "; did you mean " + c + "?").orElse("")
                + " (unset it, or see the backend's options)");
      }
    }
    return result;
  }

  private static ServiceLoader<ArchiveStorageProvider> providers() {
    return ServiceLoader.load(ArchiveStorageProvider.class, ArchiveStorages.class.getClassLoader());
  }

  /**
   * "unknown storage option 'x'; did you mean y?", or, without a close name, which options there
   * are. Never shows a value.
   */
  static String unknownOption(String option, SortedSet<String> known) {
    Optional<String> closest = StorageOptions.closest(option, known);
    if (closest.isPresent()) {
      return "unknown storage option '" + option + "'; did you mean " + closest.get() + "?";
    }
    int dot = option.indexOf('.');
    String prefix = dot > 0 ? option.substring(0, dot + 1) : null;
    if (known.isEmpty()) {
      return "unknown storage option '"
          + option
          + "': no storage backend on the class path takes options";
    }
    if (prefix != null && known.stream().noneMatch(o -> o.startsWith(prefix))) {
      return "unknown storage option '"
          + option
          + "': no storage backend on the class path takes "
          + prefix
          + "* options (there are options "
          + String.join(", ", prefixes(known))
          + ")";
    }
    return "unknown storage option '" + option + "'; known: " + String.join(", ", known);
  }

  private static SortedSet<String> prefixes(SortedSet<String> known) {
    TreeSet<String> prefixes = new TreeSet<>();
    for (String o : known) {
      int dot = o.indexOf('.');
      prefixes.add(dot > 0 ? o.substring(0, dot + 1) + "*" : o);
    }
    return prefixes;
  }

  /** A new, empty storage that holds its objects in memory, for tests and as a fake archive. */
  public static ArchiveStorage memory() {
    return new MemoryArchiveStorage(java.time.Clock.systemUTC());
  }

  /** Like {@link #memory()}, with object times taken from {@code clock}. */
  public static ArchiveStorage memory(java.time.Clock clock) {
    return new MemoryArchiveStorage(clock);
  }

  /**
   * A storage that keeps objects as files below {@code root} (created on first write if its parent
   * directory exists; no directory above it is ever created). Creates are atomic and durable:
   * temporary file, fsync, hard link (never replaces), fsync of the directory.
   */
  public static ArchiveStorage filesystem(java.nio.file.Path root) {
    return new FileArchiveStorage(root);
  }

  /** Removes query string and user info from a URL so it can appear in a message. */
  public static String redact(String url) {
    String s = url;
    int q = s.indexOf('?');
    if (q >= 0) {
      s = s.substring(0, q) + "?...";
    }
    int at = s.indexOf('@');
    int schemeEnd = s.indexOf("://");
    if (at > 0 && schemeEnd >= 0 && at > schemeEnd) {
      s = s.substring(0, schemeEnd + 3) + "***@" + s.substring(at + 1);
    }
    return s;
  }

  /**
   * Whether two archive URLs name the same location: same scheme, authority (user info aside) and
   * path, whatever the spelling ({@code file:/x}, {@code file:///x/}, {@code file:/x/./}) and the
   * query string. A URL that does not parse names no location, so it is the same as nothing. Used
   * to refuse a copy that is the archive itself, and by {@code walarchive check} to tell whether a
   * server archives where the configuration says.
   */
  public static boolean sameLocation(String a, String b) {
    java.util.Optional<String> na = location(a);
    return na.isPresent() && na.equals(location(b));
  }

  private static java.util.Optional<String> location(String url) {
    try {
      java.net.URI uri = new java.net.URI(url.trim());
      String scheme = uri.getScheme();
      if (scheme == null) {
        return java.util.Optional.empty();
      }
      scheme = scheme.toLowerCase(java.util.Locale.ROOT);
      String path = uri.getPath() == null ? uri.getSchemeSpecificPart() : uri.getPath();
      if (scheme.equals("file") || scheme.equals("mem")) {
        if (path == null) {
          return java.util.Optional.empty();
        }
        return java.util.Optional.of(
            scheme + ":" + stripSlashes(java.nio.file.Path.of(path).normalize().toString()));
      }
      String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
      int at = authority.lastIndexOf('@');
      if (at >= 0) {
        authority = authority.substring(at + 1);
      }
      String p = path == null ? "" : stripSlashes(path).replaceAll("^/+", "");
      return java.util.Optional.of(scheme + "://" + authority + "/" + p);
    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
  }

  private static String stripSlashes(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    while (p.startsWith("//")) {
      p = p.substring(1);
    }
    return p;
  }
}
