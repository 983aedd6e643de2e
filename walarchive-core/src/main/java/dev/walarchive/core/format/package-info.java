/**
 * The object format: how one archived file becomes one self-describing, compressed, optionally
 * encrypted and always verified storage object. The facade encodes and decodes every file with it;
 * embedders need only {@link dev.walarchive.core.format.Keyring} and {@link
 * dev.walarchive.core.format.Compression} to configure a {@link dev.walarchive.core.WalArchive},
 * and the codec itself only to read objects outside an archive. The byte layout is described in the
 * README ("Object format").
 *
 * <p>Start with {@link dev.walarchive.core.format.ObjectCodec}, configured with a {@link
 * dev.walarchive.core.format.Compression} and a {@link dev.walarchive.core.format.Keyring}. What
 * goes into storage metadata is the {@link dev.walarchive.core.format.Digest} of {@link
 * dev.walarchive.core.format.EncodeResult}; what an object says about itself (encryption, key id,
 * file name, length) is its {@link dev.walarchive.core.format.ObjectHeader}. Every decoding failure
 * is an {@link dev.walarchive.core.format.ObjectFormatException}; its subclasses say which check
 * failed (an unknown or wrong key, tampered or truncated content, an object written for another
 * file name, a newer format version). Everything else here (header layout, chunked AES-GCM streams,
 * key derivation) is package-private.
 */
package dev.walarchive.core.format;
