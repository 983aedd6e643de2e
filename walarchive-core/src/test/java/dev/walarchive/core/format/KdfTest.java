package dev.walarchive.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;

/** HKDF-SHA256 on the JDK's HMAC: RFC 5869's vectors, and Bouncy Castle's output (used before). */
class KdfTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void rfc5869Vectors() {
    byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    assertThat(
            HEX.formatHex(
                Kdf.hkdf(
                    ikm,
                    HEX.parseHex("000102030405060708090a0b0c"),
                    HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"),
                    42)))
        .isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    assertThat(HEX.formatHex(Kdf.hkdf(ikm, new byte[0], new byte[0], 42)))
        .isEqualTo(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  }

  @Test
  void sameBytesAsBouncyCastle() {
    Random random = new Random(5869);
    for (int i = 0; i < 200; i++) {
      byte[] ikm = bytes(random, 1 + random.nextInt(64));
      byte[] salt = random.nextInt(4) == 0 ? null : bytes(random, random.nextInt(48));
      byte[] info = bytes(random, random.nextInt(40));
      int length = 1 + random.nextInt(100);
      HKDFBytesGenerator bc = new HKDFBytesGenerator(new SHA256Digest());
      bc.init(new HKDFParameters(ikm, salt, info));
      byte[] expected = new byte[length];
      bc.generateBytes(expected, 0, length);
      assertThat(Kdf.hkdf(ikm, salt, info, length)).isEqualTo(expected);
    }
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
