package dev.walarchive.core.testing;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.ArrayList;
import java.util.List;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Entry point and shared generators for the property tests (QuickTheories), used from plain JUnit 5
 * tests: {@code qt().withExamples(1000).forAll(gen).checkAssert(value -> ...)}.
 *
 * <p>A falsified property fails its test with the smallest counterexample found and the line {@code
 * Seed was <n>}. Running the build again with {@code -Dwalarchive.qt.seed=<n>} replays exactly that
 * run, for instance {@code mvn -pl walarchive-core test -Dtest=LsnTest
 * -Dwalarchive.qt.seed=1234567890}. Without the property each run draws a fresh seed.
 */
public final class Properties {
  /** The system property that fixes the seed of every property run. */
  public static final String SEED_PROPERTY = "walarchive.qt.seed";

  private Properties() {}

  /**
   * A property run: random seed unless {@value #SEED_PROPERTY} is set, then that seed. The caller
   * sets the number of examples with {@code withExamples}.
   *
   * @throws IllegalArgumentException if {@value #SEED_PROPERTY} is set but not a number
   */
  public static QuickTheory qt() {
    QuickTheory qt = QuickTheory.qt();
    String seed = System.getProperty(SEED_PROPERTY);
    if (seed == null || seed.isBlank()) {
      return qt;
    }
    try {
      return qt.withFixedSeed(Long.parseLong(seed.strip()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-D" + SEED_PROPERTY + "=" + seed + " is not a seed: give the number after \"Seed was\"",
          e);
    }
  }

  /** {@code gen} with weight {@code weight}, for {@link #weighted}. */
  public static <T> Pair<Integer, Gen<T>> weight(int weight, Gen<T> gen) {
    return Pair.of(weight, gen);
  }

  /** Picks one of the generators, each as often as its weight says. */
  @SafeVarargs
  public static <T> Gen<T> weighted(Pair<Integer, Gen<T>> first, Pair<Integer, Gen<T>>... rest) {
    return Generate.frequency(first, rest);
  }

  /** One of the values, uniformly. */
  @SafeVarargs
  public static <T> Gen<T> oneOf(T... values) {
    return Generate.pick(List.of(values));
  }

  /**
   * Any {@code long}: uniform over the whole range, with 0, ±1, ±2 and the extremes and their
   * neighbours mixed in one time in ten.
   */
  public static Gen<Long> anyLong() {
    return weighted(
        weight(9, longs().all()),
        weight(
            1,
            oneOf(
                0L,
                1L,
                -1L,
                2L,
                -2L,
                Long.MIN_VALUE,
                Long.MIN_VALUE + 1,
                Long.MAX_VALUE,
                Long.MAX_VALUE - 1)));
  }

  /** A {@code long} from {@code min} to {@code max}, both ends and their neighbours mixed in. */
  public static Gen<Long> longsBetween(long min, long max) {
    List<Long> edges = new ArrayList<>();
    for (long edge : new long[] {min, max, min + 1, max - 1, 0, 1, -1}) {
      if (edge >= min && edge <= max && !edges.contains(edge)) {
        edges.add(edge);
      }
    }
    return weighted(weight(9, longs().between(min, max)), weight(1, Generate.pick(edges)));
  }

  /** Any {@code int}, with 0, ±1, ±2 and the extremes and their neighbours mixed in. */
  public static Gen<Integer> anyInt() {
    return weighted(
        weight(9, integers().all()),
        weight(
            1,
            oneOf(
                0,
                1,
                -1,
                2,
                -2,
                Integer.MIN_VALUE,
                Integer.MIN_VALUE + 1,
                Integer.MAX_VALUE,
                Integer.MAX_VALUE - 1)));
  }

  /** An {@code int} from {@code min} to {@code max}, both ends and their neighbours mixed in. */
  public static Gen<Integer> intsBetween(int min, int max) {
    return longsBetween(min, max).map(Long::intValue);
  }

  /**
   * Any string of up to {@code maxLength} characters: ASCII (control characters included), any
   * UTF-16 code unit (lone surrogates included), or any code point, with the empty string and a few
   * single characters mixed in.
   */
  public static Gen<String> anyString(int maxLength) {
    return weighted(
        weight(4, strings().ascii().ofLengthBetween(0, maxLength)),
        weight(3, strings().betweenCodePoints(0, 0xFFFF).ofLengthBetween(0, maxLength)),
        weight(2, strings().allPossible().ofLengthBetween(0, maxLength / 2)),
        weight(1, oneOf("", " ", "\0", "\n", "\t", "a", "\u00e9", "\uFFFF", "\uD800")));
  }

  /** Strings of {@code minLength} to {@code maxLength} characters taken from {@code chars}. */
  public static Gen<String> stringsOf(String chars, int minLength, int maxLength) {
    Gen<Integer> lengths = intsBetween(minLength, maxLength);
    Gen<Integer> indexes = integers().between(0, chars.length() - 1);
    return in -> {
      int length = lengths.generate(in);
      StringBuilder sb = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        sb.append(chars.charAt(indexes.generate(in)));
      }
      return sb.toString();
    };
  }

  /** Lists of {@code minSize} to {@code maxSize} elements of {@code elements}. */
  public static <T> Gen<List<T>> listsOf(Gen<T> elements, int minSize, int maxSize) {
    Gen<Integer> sizes = integers().between(minSize, maxSize);
    return in -> {
      int size = sizes.generate(in);
      List<T> list = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        list.add(elements.generate(in));
      }
      return list;
    };
  }

  /** Byte arrays of {@code minLength} to {@code maxLength} bytes, any values. */
  public static Gen<byte[]> byteArrays(int minLength, int maxLength) {
    return Generate.byteArrays(
        integers().between(minLength, maxLength),
        Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
  }
}
