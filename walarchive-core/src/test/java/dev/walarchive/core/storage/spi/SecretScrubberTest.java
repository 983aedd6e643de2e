package dev.walarchive.core.storage.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretScrubberTest {
  private static final String KEY = "c2VjcmV0LWtleS12YWx1ZQ==";

  private final SecretScrubber scrubber = SecretScrubber.of(List.of(KEY, "abc"));

  @Test
  void literalSecretsAndWhatLooksLikeOneAreRemoved() {
    assertThat(scrubber.scrub("key " + KEY + " here")).isEqualTo("key REDACTED here");
    assertThat(scrubber.scrub("https://h/o?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok1"))
        .isEqualTo("https://h/o?X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED");
    assertThat(scrubber.scrub("PUT /b/o?uploadType=resumable&upload_id=ABCdef123 failed"))
        .isEqualTo("PUT /b/o?uploadType=resumable&upload_id=REDACTED failed");
    assertThat(scrubber.scrub("AccountKey=xyz123;EndpointSuffix=core.windows.net"))
        .isEqualTo("AccountKey=REDACTED;EndpointSuffix=core.windows.net");
    assertThat(scrubber.scrub("Authorization: Bearer ya29.a0AfH6")).doesNotContain("ya29");
    assertThat(scrubber.scrub("Authorization: SharedKey acct:QUJD+/=")).doesNotContain("QUJD");
    assertThat(scrubber.scrub("abc is too short to be a secret")).startsWith("abc");
    assertThat(scrubber.scrub(null)).isNull();
  }

  @Test
  void aCauseChainWithASecretIsCopiedScrubbedAndACleanOneIsKept() {
    IOException clean = new IOException("connection reset");
    assertThat(scrubber.scrubbed(clean)).isSameAs(clean);

    IOException inner = new IOException("sent sig=s3cr3t to the service");
    RuntimeException outer = new RuntimeException("wrapper", inner);
    Throwable copy = scrubber.scrubbed(outer);
    assertThat(copy).isInstanceOf(SecretScrubber.ScrubbedException.class);
    assertThat(copy.getMessage()).isEqualTo("java.lang.RuntimeException: wrapper");
    assertThat(copy.getCause().getMessage())
        .isEqualTo("java.io.IOException: sent sig=REDACTED to the service");
    assertThat(copy.getStackTrace()).isEqualTo(outer.getStackTrace());
  }

  @Test
  void oneLineIsTheFirstScrubbedLineCapped() {
    assertThat(scrubber.oneLine("first " + KEY + "\nsecond")).isEqualTo("first REDACTED");
    assertThat(scrubber.oneLine("x".repeat(400))).hasSize(303);
    assertThat(scrubber.oneLine(null)).isEmpty();
  }
}
