package dev.walarchive.cli;

import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.spi.StorageOptions;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Builds the keyring from the CLI's key settings; errors name files and key ids, never keys. */
final class Keys {
  private Keys() {}

  static Keyring load(
      String keyringFile,
      String keyFile,
      String keyBase64,
      String passphrase,
      String keyId,
      boolean allowUnencrypted)
      throws IOException {
    String id = keyId == null ? "k1" : keyId;
    if (keyringFile != null) {
      return fromKeyringFile(path(keyringFile, "keyring-file"), allowUnencrypted);
    }
    try {
      if (keyFile != null) {
        return Keyring.builder()
            .allowUnencryptedObjects(allowUnencrypted)
            .addKey(id, readKeyFile(path(keyFile, "key-file")))
            .activeKeyId(id)
            .build();
      }
      if (keyBase64 != null && !keyBase64.isEmpty()) {
        return Keyring.builder()
            .allowUnencryptedObjects(allowUnencrypted)
            .addKey(id, Keyring.decodeBase64Key(keyBase64.trim()))
            .activeKeyId(id)
            .build();
      }
      if (passphrase != null && !passphrase.isEmpty()) {
        return Keyring.builder()
            .allowUnencryptedObjects(allowUnencrypted)
            .addPassphrase(id, passphrase.toCharArray())
            .activeKeyId(id)
            .build();
      }
    } catch (IllegalArgumentException e) {
      throw new CliException("key " + id + ": " + e.getMessage());
    }
    return Keyring.none();
  }

  private static byte[] readKeyFile(Path file) throws IOException {
    PrivateFiles.check(file, "key file");
    try {
      return Keyring.readKeyFile(file);
    } catch (IOException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof NoSuchFileException) {
        throw new CliException("key file " + file + " does not exist; fix the key-file setting");
      }
      if (cause instanceof AccessDeniedException) {
        throw new CliException(
            "key file "
                + file
                + " is not readable by user "
                + System.getProperty("user.name")
                + "; give the user that runs PostgreSQL read access to it");
      }
      throw new CliException("cannot read key file " + file + ": " + Errors.oneLine(cause));
    }
  }

  private static Path path(String value, String setting) throws CliException {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new CliException(setting + " is not a valid path: " + Errors.oneLine(e));
    }
  }

  private static Keyring fromKeyringFile(Path file, boolean allowUnencrypted) throws IOException {
    PropertiesFile p =
        PropertiesFile.read(file, "keyring file", "fix --keyring-file or WALARCHIVE_KEYRING_FILE");
    PrivateFiles.check(file, "keyring file");
    Keyring.Builder b = Keyring.builder().allowUnencryptedObjects(allowUnencrypted);
    for (PropertiesFile.Entry entry : p.entries()) {
      String name = entry.name();
      String value = entry.value();
      String where = p.shown() + " line " + entry.line();
      try {
        if (name.startsWith("key.")) {
          b.addKey(name.substring(4), Keyring.decodeBase64Key(value));
        } else if (name.startsWith("key-file.")) {
          b.addKey(name.substring(9), readKeyFile(path(value, name)));
        } else if (name.startsWith("passphrase.")) {
          b.addPassphrase(name.substring(11), value.toCharArray());
        } else if (!name.equals("active")) {
          int dot = name.indexOf('.');
          String id = dot < 0 ? "<id>" : name.substring(dot + 1);
          throw new CliException(
              where
                  + ": unknown entry '"
                  + name
                  + "'"
                  + StorageOptions.closest(
                          name,
                          List.of("active", "key." + id, "key-file." + id, "passphrase." + id))
                      .map(c -> "; did you mean " + c + "?")
                      .orElse("; expected active, key.<id>, key-file.<id> or passphrase.<id>"));
        }
      } catch (IllegalArgumentException e) {
        throw new CliException(where + ", entry " + name + ": " + e.getMessage());
      }
    }
    String active = p.get("active");
    if (active != null) {
      b.activeKeyId(active);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new CliException(p.shown() + ": " + e.getMessage());
    }
  }
}
