package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveManifest;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The archive's encryption and keys, as its manifest records them. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description =
        "Shows and changes which keys belong to the archive. The archive manifest records whether the archive is encrypted and, per key id, a check value that proves a key is the one registered (and reveals nothing about it); wal-push refuses any other key.",
    subcommands = {
      KeysCommand.ListKeys.class,
      KeysCommand.Add.class,
      KeysCommand.Retire.class,
      KeysCommand.EnableEncryption.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "2:usage or configuration error, or the change was refused",
      "3:storage or I/O error"
    })
final class KeysCommand implements Runnable, ExitCodes {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: list, add, retire or enable-encryption");
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    return failure(e);
  }

  static int failure(Exception e) {
    return e instanceof CliException
            || e instanceof IllegalArgumentException
            || e instanceof ArchiveConfigurationException
        ? 2
        : 3;
  }

  /** One line: whether the archive is encrypted and its key ids. */
  static String describe(ArchiveManifest m) {
    return switch (m.encryption()) {
      case UNRECORDED ->
          "not recorded (manifest of an older walarchive; run 'walarchive repair-manifest')";
      case NONE -> "off";
      case AES_256_GCM -> {
        StringBuilder sb = new StringBuilder("aes-256-gcm, keys");
        for (Map.Entry<String, ArchiveManifest.ArchiveKey> e : m.keys().entrySet()) {
          sb.append(' ').append(e.getKey()).append(e.getValue().retired() ? " (retired)" : "");
        }
        yield sb.toString();
      }
    };
  }

  abstract static class Sub implements Callable<Integer>, ExitCodes {
    @Mixin CliConfig config;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (WalArchive archive = config.openArchive()) {
        run(archive, out);
        // every copy has a manifest of its own, with the same keys: the same change there
        for (WalArchive copy : archive.copies()) {
          out.print(
              "copy " + dev.walarchive.core.storage.ArchiveStorages.redact(copy.location()) + ": ");
          run(copy, out);
        }
      }
      out.flush();
      return 0;
    }

    abstract void run(WalArchive archive, PrintWriter out) throws Exception;

    @Override
    public int usage() {
      return 2;
    }

    @Override
    public int forFailure(Exception e) {
      return failure(e);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Prints whether the archive is encrypted and each registered key id.")
  static final class ListKeys extends Sub {
    @Override
    void run(WalArchive archive, PrintWriter out) throws Exception {
      ArchiveManifest m = archive.requireManifest();
      out.println("encryption: " + describe(m));
      for (Map.Entry<String, ArchiveManifest.ArchiveKey> e : m.keys().entrySet()) {
        out.println(
            "key "
                + e.getKey()
                + (e.getValue().retired() ? " retired (reads only)" : " current")
                + ", check value "
                + e.getValue().checkValue().substring(0, 16));
      }
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description =
          "Registers the configured key (key-file and key-id, or the keyring file's active key) so that wal-push may encrypt with it. A key id names one key for good: a new key needs a new id. Registering a registered key does nothing.")
  static final class Add extends Sub {
    @Override
    void run(WalArchive archive, PrintWriter out) throws Exception {
      long before = archive.requireManifest().revision();
      ArchiveManifest m = archive.addKey();
      out.println(
          m.revision() == before
              ? "already registered: " + describe(m)
              : "registered; encryption: " + describe(m));
    }
  }

  @Command(
      name = "retire",
      mixinStandardHelpOptions = true,
      description =
          "Retires a key id: wal-push refuses it from now on, while it still reads what it encrypted (keep it in the keyring for as long as those objects are kept). The last current key cannot be retired.")
  static final class Retire extends Sub {
    @Parameters(paramLabel = "KEY-ID", description = "The key id to retire.")
    String keyId;

    @Override
    void run(WalArchive archive, PrintWriter out) throws Exception {
      out.println("retired " + keyId + "; encryption: " + describe(archive.retireKey(keyId)));
    }
  }

  @Command(
      name = "enable-encryption",
      mixinStandardHelpOptions = true,
      description =
          "Turns encryption on for an unencrypted archive and registers the configured key: wal-push then refuses to store anything unencrypted. What was archived before stays unencrypted; readers need allow-unencrypted=true to read it.")
  static final class EnableEncryption extends Sub {
    @Override
    void run(WalArchive archive, PrintWriter out) throws Exception {
      out.println(
          "encryption: "
              + describe(archive.enableEncryption())
              + "; set allow-unencrypted=true where older, unencrypted WAL is restored");
    }
  }
}
