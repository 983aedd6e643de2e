package dev.walarchive.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PropertiesTest {
  private final String before = System.getProperty(Properties.SEED_PROPERTY);

  @AfterEach
  void restoreSeed() {
    if (before == null) {
      System.clearProperty(Properties.SEED_PROPERTY);
    } else {
      System.setProperty(Properties.SEED_PROPERTY, before);
    }
  }

  private static List<Long> draw() {
    List<Long> drawn = new ArrayList<>();
    Properties.qt().withExamples(200).forAll(longs().all()).checkAssert(drawn::add);
    return drawn;
  }

  @Test
  void runsTheRequestedNumberOfExamples() {
    assertThat(draw()).hasSize(200);
  }

  @Test
  void aFixedSeedReplaysTheSameExamples() {
    System.setProperty(Properties.SEED_PROPERTY, "1234567890");
    List<Long> first = draw();
    assertThat(draw()).isEqualTo(first);
    System.setProperty(Properties.SEED_PROPERTY, "987654321");
    assertThat(draw()).isNotEqualTo(first);
  }

  private static Throwable failingRun() {
    return catchThrowable(
        () ->
            Properties.qt()
                .withExamples(1000)
                .forAll(longs().between(0, 1_000_000))
                .checkAssert(n -> assertThat(n % 1000).isLessThan(990)));
  }

  @Test
  void aFailureReportsTheSeedThatReplaysIt() {
    System.clearProperty(Properties.SEED_PROPERTY);
    Throwable failure = failingRun();
    assertThat(failure).isInstanceOf(AssertionError.class).hasMessageContaining("Seed was ");
    String seed = failure.getMessage().replaceAll("(?s).*Seed was (-?[0-9]+).*", "$1");

    System.setProperty(Properties.SEED_PROPERTY, seed);
    // the same number of examples up to the failure, the same smallest counterexample
    assertThat(summary(failingRun())).isEqualTo(summary(failure));
  }

  private static String summary(Throwable failure) {
    return failure.getMessage().lines().limit(3).toList().toString();
  }

  @Test
  void aSeedThatIsNotANumberIsRefused() {
    System.setProperty(Properties.SEED_PROPERTY, "twelve");
    assertThatThrownBy(Properties::qt)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("walarchive.qt.seed=twelve");
  }
}
