/**
 * The object format: how one archived file becomes one self-describing, compressed, optionally
 * encrypted and always verified storage object.
 *
 * <p>Start with {@link dev.walarchive.core.format.ObjectCodec}, configured with a {@link
 * dev.walarchive.core.format.Compression} and a {@link dev.walarchive.core.format.Keyring}. What
 * goes into storage metadata is the {@link dev.walarchive.core.format.Digest} of {@link
 * dev.walarchive.core.format.EncodeResult}. Every decoding failure is an {@link
 * dev.walarchive.core.format.ObjectFormatException}.
 */
package dev.walarchive.core.format;
