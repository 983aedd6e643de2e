package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@code WalArchive.verify} checks besides continuity, which it always checks: the integrity
 * of every archived object or of a random sample, how many objects at once, and optionally the
 * freshness of the newest segment. Immutable; {@link #defaults()} checks every object, four at a
 * time, and no freshness.
 *
 * <pre>{@code
 * VerifyOptions hourly = VerifyOptions.builder().sample(50).maxAge(Duration.ofMinutes(15)).build();
 * }</pre>
 */
public final class VerifyOptions {
  /** The most objects checked at once. */
  public static final int MAX_PARALLELISM = 64;

  private static final VerifyOptions DEFAULTS = builder().build();

  private final boolean integrity;
  private final OptionalInt sample;
  private final int parallelism;
  private final Optional<Duration> maxAge;

  private VerifyOptions(Builder b) {
    this.integrity = b.integrity;
    this.sample = b.sample;
    this.parallelism = b.parallelism;
    this.maxAge = b.maxAge;
  }

  /** Every object's integrity, four at a time; no freshness check. */
  public static VerifyOptions defaults() {
    return DEFAULTS;
  }

  /** Starts from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether objects are decoded and checked against their digests. */
  public boolean integrity() {
    return integrity;
  }

  /** How many randomly chosen objects are checked; empty for all of them. */
  public OptionalInt sample() {
    return sample;
  }

  /** How many objects are checked at once. */
  public int parallelism() {
    return parallelism;
  }

  /** The oldest the newest archived segment may be; empty for no freshness check. */
  public Optional<Duration> maxAge() {
    return maxAge;
  }

  @Override
  public String toString() {
    return "VerifyOptions[integrity="
        + (!integrity ? "off" : sample.isPresent() ? "sample " + sample.getAsInt() : "all")
        + ", parallelism="
        + parallelism
        + maxAge.map(d -> ", maxAge=" + d).orElse("")
        + "]";
  }

  /** Builds {@link VerifyOptions}; every setter validates at once. */
  public static final class Builder {
    private boolean integrity = true;
    private OptionalInt sample = OptionalInt.empty();
    private int parallelism = 4;
    private Optional<Duration> maxAge = Optional.empty();

    private Builder() {}

    /**
     * Checks the integrity of {@code objects} randomly chosen objects instead of all, drawn from
     * the WAL objects and the base backups' data objects together.
     */
    public Builder sample(int objects) {
      if (objects < 1) {
        throw new IllegalArgumentException("sample must be at least 1 object, not " + objects);
      }
      this.sample = OptionalInt.of(objects);
      this.integrity = true;
      return this;
    }

    /** Checks the integrity of every object (the default). */
    public Builder allObjects() {
      this.sample = OptionalInt.empty();
      this.integrity = true;
      return this;
    }

    /**
     * Skips the integrity check: continuity (and freshness, if asked) only; base backups' manifests
     * are still read and their data objects checked to exist.
     */
    public Builder noIntegrity() {
      this.integrity = false;
      this.sample = OptionalInt.empty();
      return this;
    }

    /** Objects checked at once, 1 to {@value #MAX_PARALLELISM}; default 4. */
    public Builder parallelism(int objects) {
      if (objects < 1 || objects > MAX_PARALLELISM) {
        throw new IllegalArgumentException(
            "parallelism must be from 1 to " + MAX_PARALLELISM + ", not " + objects);
      }
      this.parallelism = objects;
      return this;
    }

    /**
     * Reports the archive as stale if its newest segment was archived longer ago than {@code
     * maxAge} (or if it holds no segment).
     */
    public Builder maxAge(Duration maxAge) {
      requireNonNull(maxAge, "maxAge is null");
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("maxAge must be positive, not " + maxAge);
      }
      this.maxAge = Optional.of(maxAge);
      return this;
    }

    /** Builds the options. */
    public VerifyOptions build() {
      return new VerifyOptions(this);
    }
  }
}
