package dev.walarchive.cli;

import dev.walarchive.core.format.Keyring;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;

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
      return fromKeyringFile(Path.of(keyringFile), allowUnencrypted);
    }
    try {
      if (keyFile != null) {
        return Keyring.builder()
            .allowUnencryptedObjects(allowUnencrypted)
            .addKey(id, readKeyFile(Path.of(keyFile)))
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

  private static Keyring fromKeyringFile(Path file, boolean allowUnencrypted) throws IOException {
    if (!Files.isReadable(file)) {
      throw new CliException(
          "keyring file " + file + " does not exist or is not readable by this user");
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    Keyring.Builder b = Keyring.builder().allowUnencryptedObjects(allowUnencrypted);
    for (String name : p.stringPropertyNames()) {
      String value = p.getProperty(name).trim();
      try {
        if (name.startsWith("key.")) {
          b.addKey(name.substring(4), Keyring.decodeBase64Key(value));
        } else if (name.startsWith("key-file.")) {
          b.addKey(name.substring(9), readKeyFile(Path.of(value)));
        } else if (name.startsWith("passphrase.")) {
          b.addPassphrase(name.substring(11), value.toCharArray());
        } else if (!name.equals("active")) {
          throw new CliException(
              "keyring file "
                  + file
                  + ": unknown entry '"
                  + name
                  + "'; expected active, key.<id>,"
                  + " key-file.<id> or passphrase.<id>");
        }
      } catch (IllegalArgumentException e) {
        throw new CliException("keyring file " + file + ", entry " + name + ": " + e.getMessage());
      }
    }
    String active = p.getProperty("active");
    if (active != null) {
      b.activeKeyId(active.trim());
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new CliException("keyring file " + file + ": " + e.getMessage());
    }
  }
}
