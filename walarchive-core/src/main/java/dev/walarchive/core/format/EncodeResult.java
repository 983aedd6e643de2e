package dev.walarchive.core.format;

import static java.util.Objects.requireNonNull;

/**
 * What {@link ObjectCodec#encode} wrote. Public API because it is the return type of that public
 * method: a tool that encodes objects itself stores {@link #digest()} in the object's metadata, as
 * the facade does.
 *
 * @param plaintextLength bytes read from the plaintext stream
 * @param encodedLength bytes written to the output stream (the object's size)
 * @param digest the plaintext's digest, to be stored in the object's metadata
 */
public record EncodeResult(long plaintextLength, long encodedLength, Digest digest) {
  public EncodeResult {
    requireNonNull(digest, "digest is null");
    if (plaintextLength < 0 || encodedLength < 0) {
      throw new IllegalArgumentException(
          "negative length: plaintext " + plaintextLength + ", encoded " + encodedLength);
    }
  }
}
