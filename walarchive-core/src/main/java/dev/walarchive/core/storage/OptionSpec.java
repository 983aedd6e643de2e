package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One option of a storage backend, described as data: its name, the type of its value, its default
 * and meaning as documented, and whether the value is a secret. A backend declares each option once
 * ({@link ArchiveStorageProvider#options()}); everything else is derived from that declaration: the
 * URL query parameter ({@link #urlParameter()}), the environment variable the CLI reads ({@link
 * #environmentVariable()}), the check that an option name is known, and the README's option table.
 *
 * <p>Names are a lowercase backend prefix, a dot and a lowercase name of letters, digits and
 * dashes: {@code s3.path-style}. Its environment variable is {@code WALARCHIVE_} followed by the
 * name in upper case with dots and dashes turned into underscores: {@code
 * WALARCHIVE_S3_PATH_STYLE}.
 *
 * @param name the option's name with its backend prefix, e.g. {@code s3.region}
 * @param type how the value is written ({@link OptionValues} for durations, sizes and booleans)
 * @param defaultValue the default as documentation shows it (Markdown; e.g. {@code `20m`}, or
 *     {@code none} or a sentence when there is no fixed value)
 * @param description what the option does (Markdown, one paragraph)
 * @param secret whether the value is a secret: never accepted in a URL, never shown in a message
 */
public record OptionSpec(
    String name, Type type, String defaultValue, String description, boolean secret) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*\\.[a-z0-9]+(-[a-z0-9]+)*");

  /** How an option's value is written. */
  public enum Type {
    /** Free text (the backend checks it). */
    STRING,
    /** One of a few words the description lists. */
    CHOICE,
    /** A whole number. */
    INTEGER,
    /** A boolean, see {@link OptionValues#parseBoolean}. */
    BOOLEAN,
    /** A positive duration, see {@link OptionValues#parseDuration}. */
    DURATION,
    /** A size in bytes, see {@link OptionValues#parseSize}. */
    SIZE,
    /** A URL such as {@code https://host:port}. */
    URL,
    /** A file name. */
    PATH,
    /**
     * A file name whose file holds a secret, such as a service account key: the name is not secret,
     * the file's content is. The CLI refuses such a file when users other than its owner and group
     * may read it, or its group may change it, as it does a key file.
     */
    SECRET_FILE
  }

  /**
   * Checks the parts.
   *
   * @throws IllegalArgumentException if the name is not of the form {@code prefix.name}
   */
  public OptionSpec {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
    requireNonNull(defaultValue, "defaultValue is null");
    requireNonNull(description, "description is null");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid option name '"
              + name
              + "': expected a lowercase backend prefix, a dot and a lowercase name of letters,"
              + " digits and dashes, such as s3.path-style");
    }
  }

  /** A non-secret option. */
  public static OptionSpec of(String name, Type type, String defaultValue, String description) {
    return new OptionSpec(name, type, defaultValue, description, false);
  }

  /** A secret option (credentials, tokens): never in a URL, its value never in a message. */
  public static OptionSpec secret(String name, Type type, String defaultValue, String description) {
    return new OptionSpec(name, type, defaultValue, description, true);
  }

  /** The backend prefix with its dot: {@code s3.} for {@code s3.region}. */
  public String prefix() {
    return name.substring(0, name.indexOf('.') + 1);
  }

  /** The name without the prefix, as an archive URL's query parameter: {@code region}. */
  public String urlParameter() {
    return name.substring(name.indexOf('.') + 1);
  }

  /**
   * The environment variable the CLI reads this option from: {@code WALARCHIVE_S3_PATH_STYLE} for
   * {@code s3.path-style}.
   */
  public String environmentVariable() {
    return environmentVariable(name);
  }

  /** {@code WALARCHIVE_} and the name in upper case, dots and dashes as underscores. */
  static String environmentVariable(String name) {
    return "WALARCHIVE_" + name.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** Never the value (an option spec holds none); the name, type and whether it is secret. */
  @Override
  public String toString() {
    return name + " (" + type.name().toLowerCase(Locale.ROOT) + (secret ? ", secret)" : ")");
  }
}
