package dev.walarchive.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses a file that holds secrets (a key, a keyring, a configuration with a passphrase or a cloud
 * credential) when other users of the host may read or change it, as ssh refuses an open private
 * key: any permission for "other" users, or write permission for the group. Read permission for the
 * group is accepted (a key shared by the postgres group, a Kubernetes Secret mounted with mode
 * 0440). On a file system without POSIX permissions nothing is checked. The file itself is followed
 * through symbolic links: what counts is the mode of the file that holds the bytes.
 */
final class PrivateFiles {
  private static final Set<PosixFilePermission> OTHERS =
      Set.of(
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private PrivateFiles() {}

  /**
   * Throws if {@code file} may be read or changed by users other than its owner and its group, or
   * changed by its group.
   *
   * @param what what the file is, for the message, e.g. {@code "key file"}
   * @throws CliException naming the file, its mode and the {@code chmod} that fixes it
   */
  static void check(Path file, String what) throws CliException {
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return;
    } catch (IOException e) {
      // a file that cannot be inspected cannot be read either: the read names what is wrong
      return;
    }
    if (!Files.isRegularFile(file)) {
      return; // a directory or a device: the read says what is wrong
    }
    String problem = null;
    if (mode.contains(PosixFilePermission.OTHERS_READ)) {
      problem = "is readable by every user on this host";
    } else if (mode.stream().anyMatch(OTHERS::contains)) {
      problem = "is open to every user on this host";
    } else if (mode.contains(PosixFilePermission.GROUP_WRITE)) {
      problem = "is writable by its group";
    }
    if (problem != null) {
      throw new CliException(
          what
              + " "
              + file
              + " holds secrets but "
              + problem
              + " (mode "
              + octal(mode)
              + "); run chmod 600 "
              + file
              + " (or chmod 640, with a group of the user that runs walarchive)");
    }
  }

  /**
   * Throws if every user of the host may change {@code file}, a configuration file without secrets:
   * whoever may write it decides where WAL is archived and which key encrypts it.
   *
   * @throws CliException naming the file, its mode and the {@code chmod} that fixes it
   */
  static void checkNotWorldWritable(Path file, String what) throws CliException {
    Set<PosixFilePermission> mode;
    try {
      if (!Files.isRegularFile(file)) {
        return; // a directory or a device: the read says what is wrong
      }
      mode = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException | IOException e) {
      return;
    }
    if (mode.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new CliException(
          what
              + " "
              + file
              + " is writable by every user on this host (mode "
              + octal(mode)
              + "), who could point it at another archive or key; run chmod o-w "
              + file);
    }
  }

  /** {@code 0644} for rw-r--r--. */
  static String octal(Set<PosixFilePermission> mode) {
    int bits = 0;
    for (PosixFilePermission p : mode) {
      bits |= 1 << (8 - p.ordinal());
    }
    return String.format(Locale.ROOT, "0%03o", bits);
  }
}
