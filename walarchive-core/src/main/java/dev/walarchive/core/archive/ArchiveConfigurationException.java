package dev.walarchive.core.archive;

import dev.walarchive.core.WalArchiveException;

/**
 * The configuration does not fit the archive, or the location is not a usable archive: no archive
 * manifest (a wrong URL, or the manifest was removed), a manifest that cannot be read or parsed, a
 * push without encryption into an encrypted archive (or with a key into an unencrypted one), or a
 * key that is not the one the archive records under its id. Nothing was written. The message names
 * the location and says what to do; it never contains key material.
 */
public final class ArchiveConfigurationException extends WalArchiveException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what is wrong, naming the location, and what to do
   */
  public ArchiveConfigurationException(String message) {
    super(message, Kind.CONFIGURATION);
  }

  /**
   * @param message what is wrong, naming the location, and what to do
   * @param cause the underlying failure
   */
  public ArchiveConfigurationException(String message, Throwable cause) {
    super(message, Kind.CONFIGURATION, cause);
  }
}
