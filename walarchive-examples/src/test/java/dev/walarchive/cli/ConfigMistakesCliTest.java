package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Configuration and command-line mistakes, made as a user makes them: each is a configuration or
 * usage error with the documented exit code (wal-push 2, wal-fetch 126, the others 2), one line
 * naming the mistake and the closest valid name, and nothing stored or written at %p.
 */
class ConfigMistakesCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;
  private static final String FETCHED_NAME = "000000010000000000000001";

  private Path base;
  private Path archiveDir;
  private Path keyFile;
  private Path segment;
  private Path dest;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-cliconf");
    archiveDir = base.resolve("archive");
    keyFile = base.resolve("key");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key), UTF_8);
    Drills.restrictToOwner(keyFile);
    segment =
        SyntheticWal.writeSegment(
            Files.createDirectories(base.resolve("wal")), SYSID, 1, 1, SIZE, 1);
    dest = base.resolve("restored");
  }

  @AfterEach
  void tearDown() throws Exception {
    PostgresServer.deleteTree(base);
  }

  /** A finished in-process run of the CLI. */
  record Run(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private Path config(String text) throws Exception {
    Path file = Files.createTempFile(base, "walarchive-", ".properties");
    Files.writeString(file, text, UTF_8);
    return file;
  }

  private String url() {
    return "file:" + archiveDir;
  }

  /** Exit code and exactly one line on stderr, equal to {@code line}. */
  private static void assertError(Run r, int exitCode, String line) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
    assertThat(r.stderr().lines().filter(l -> !l.isBlank()).toList())
        .as(r.toString())
        .containsExactly(line);
  }

  private void assertNothingStoredOrRestored() throws Exception {
    assertThat(archiveDir).doesNotExist();
    assertThat(dest).doesNotExist();
    try (Stream<Path> files = Files.list(base)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains("walarchive-tmp") || n.contains(".RECOVERYXLOG"));
    }
  }

  /** The same mistake on wal-push (2), wal-fetch (126) and show (2), with the same message. */
  private void assertConfigurationError(List<String> settings, String message) throws Exception {
    List<String> push = new ArrayList<>(List.of("wal-push"));
    push.addAll(settings);
    push.add(segment.toString());
    assertError(run(push.toArray(String[]::new)), 2, "walarchive wal-push: " + message);
    List<String> fetch = new ArrayList<>(List.of("wal-fetch"));
    fetch.addAll(settings);
    fetch.addAll(List.of(FETCHED_NAME, dest.toString()));
    assertError(run(fetch.toArray(String[]::new)), 126, "walarchive wal-fetch: " + message);
    List<String> show = new ArrayList<>(List.of("show"));
    show.addAll(settings);
    assertError(run(show.toArray(String[]::new)), 2, "walarchive show: " + message);
    assertNothingStoredOrRestored();
  }

  @Test
  void misspeltPropertyNamesAreConfigurationErrorsNamingTheClosestSetting() throws Exception {
    for (String typo : List.of("keyfile", "key-flie", "key_file", "Key-File")) {
      Path file = config("url=" + url() + "\n" + typo + "=" + keyFile + "\n");
      assertConfigurationError(
          List.of("--config", file.toString()),
          "configuration file "
              + file
              + " line 2: unknown setting '"
              + typo
              + "'; did you mean key-file?");
    }
    Path option = config("url=" + url() + "\ns3.regoin=eu-west-1\n");
    assertConfigurationError(
        List.of("--config", option.toString()),
        "configuration file "
            + option
            + " line 2: unknown setting 's3.regoin'; did you mean s3.region?");
  }

  @Test
  void aNameSetTwiceIsAConfigurationError() throws Exception {
    Path file =
        config("url=" + url() + "\nkey-file=" + keyFile + "\nurl=file:" + base.resolve("other"));
    assertConfigurationError(
        List.of("--config", file.toString()),
        "configuration file "
            + file
            + " line 3: 'url' is set twice (lines 1 and 3); keep one of them");
    assertThat(base.resolve("other")).doesNotExist();
  }

  @Test
  void unknownStorageOptionsAreErrorsForEveryBackendWhicheverTheUrlNames() throws Exception {
    String url = "--url=" + url();
    assertConfigurationError(
        List.of(url, "-o", "s3.regoin=eu-west-1"),
        "-o s3.regoin: unknown storage option; did you mean s3.region?");
    assertConfigurationError(
        List.of(url, "-o", "gcs.projectid=p"),
        "-o gcs.projectid: unknown storage option; did you mean gcs.project-id?");
    assertConfigurationError(
        List.of(url, "-o", "azure.acess-tier=Cool"),
        "-o azure.acess-tier: unknown storage option; did you mean azure.access-tier?");
    assertConfigurationError(
        List.of(url, "-o", "region=eu-west-1"),
        "-o region: unknown storage option; did you mean s3.region?");
    assertConfigurationError(
        List.of(url, "-o", "s3.region=eu-west-1", "-o", "s3.region=us-east-1"),
        "-o s3.region is given twice; give it once");
    assertConfigurationError(
        List.of(url, "-o", "key-file=" + keyFile),
        "-o key-file: key-file is not a storage option; set it with --key-file, in"
            + " WALARCHIVE_KEY_FILE or in the properties file");
  }

  @Test
  void aWrongUrlSchemeOrAnOptionValueOutOfRangeIsAConfigurationError() throws Exception {
    assertConfigurationError(
        List.of("--url", "fiel:" + archiveDir),
        "no storage backend for scheme 'fiel:' in archive URL 'fiel:"
            + archiveDir
            + "'; available: az:, file:, gs:, https:, mem:, s3:");
    assertConfigurationError(
        List.of(
            "--url",
            "s3://bucket/prefix",
            "-o",
            "s3.region=eu-west-1",
            "-o",
            "s3.part-size=9999GiB"),
        "invalid s3.part-size 10736344498176: expected 5MiB to 512MiB");
  }

  @Test
  void aBackendThatFindsOnFirstUseThatItCannotWorkIsAConfigurationError() throws Exception {
    Path missing = base.resolve("absent-service-account.json");
    assertConfigurationError(
        List.of("--url", "gs://walarchive-test/db1", "-o", "gcs.credentials-file=" + missing),
        "GCS credentials file "
            + missing
            + " does not exist; set gcs.credentials-file to a service account key (JSON)");
  }

  @Test
  void aServiceAccountKeyOtherUsersMayReadIsAConfigurationError() throws Exception {
    // written with the default umask, as `gcloud iam service-accounts keys create` into a shell's
    // working directory might leave it
    Path credentials = base.resolve("service-account.json");
    Files.writeString(credentials, "{\"type\": \"service_account\"}\n", UTF_8);
    Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-r--r--"));
    String problem =
        credentials
            + " holds secrets but is readable by every user on this host (mode 0644); run chmod"
            + " 600 "
            + credentials
            + " (or chmod 640, with a group of the user that runs walarchive)";
    assertConfigurationError(
        List.of("--url", "gs://walarchive-test/db1", "-o", "gcs.credentials-file=" + credentials),
        "gcs.credentials-file " + problem);
    // the same file for a copy, named in the configuration file
    Path config =
        config(
            "url="
                + url()
                + "\nkey-file="
                + keyFile
                + "\ncopy-url=gs://walarchive-test/copy\ncopy.1.gcs.credentials-file="
                + credentials
                + "\n");
    assertConfigurationError(
        List.of("--config", config.toString()), "copy 1: gcs.credentials-file " + problem);
    // its group may read it: accepted, and the backend judges the content
    Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("r--r-----"));
    Run push =
        run(
            "wal-push",
            "--url",
            "gs://walarchive-test/db1",
            "-o",
            "gcs.credentials-file=" + credentials,
            segment.toString());
    assertThat(push.exitCode()).as(push.toString()).isEqualTo(2);
    assertThat(push.stderr())
        .as(push.toString())
        .startsWith("walarchive wal-push: cannot use GCS credentials file " + credentials + " as")
        .doesNotContain("holds secrets");
  }

  @Test
  void theKeyringFileIsReadAsStrictly() throws Exception {
    String key = Files.readString(keyFile, UTF_8);
    Path twice = config("active=k1\nkey.k1=" + key + "\nkey.k1=" + key + "\n");
    assertConfigurationError(
        List.of("--url", url(), "--keyring-file", twice.toString()),
        "keyring file "
            + twice
            + " line 3: 'key.k1' is set twice (lines 2 and 3); keep one of them");
    Path typo = config("activ=k1\nkey.k1=" + key + "\n");
    assertConfigurationError(
        List.of("--url", url(), "--keyring-file", typo.toString()),
        "keyring file " + typo + " line 1: unknown entry 'activ'; did you mean active?");
    Path keyFileTypo = config("active=k1\nkeyfile.k1=" + keyFile + "\n");
    assertConfigurationError(
        List.of("--url", url(), "--keyring-file", keyFileTypo.toString()),
        "keyring file "
            + keyFileTypo
            + " line 2: unknown entry 'keyfile.k1'; did you mean key-file.k1?");
  }

  @Test
  void aKeyOtherUsersMayReadOrChangeIsAConfigurationError() throws Exception {
    // the key written with the default umask, as `head -c 32 /dev/urandom | base64 > key` does
    assertNotPrivate(
        "--key-file", "key file", keyFile, "rw-r--r--", "0644", "readable by every user");
    assertNotPrivate(
        "--key-file", "key file", keyFile, "rw-rw----", "0660", "writable by its group");
    Drills.restrictToOwner(keyFile);
    Path keyring = config("active=k1\nkey.k1=" + Files.readString(keyFile, UTF_8) + "\n");
    assertNotPrivate(
        "--keyring-file", "keyring file", keyring, "rw-----w-", "0602", "open to every user");
    for (String secret :
        List.of("passphrase=correct horse battery", "copy.1.s3.secret-access-key=abcdefgh")) {
      Path file = config("url=" + url() + "\n" + secret + "\n");
      assertNotPrivate(
          "--config", "configuration file", file, "rw-r--r--", "0644", "readable by every user");
    }
  }

  /** With {@code file} in {@code mode} ({@code octal}), {@code flag file} is refused. */
  private void assertNotPrivate(
      String flag, String what, Path file, String mode, String octal, String problem)
      throws Exception {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    List<String> settings = new ArrayList<>(List.of(flag, file.toString()));
    if (!flag.equals("--config")) {
      settings.addAll(List.of("--url", url()));
    }
    assertConfigurationError(
        settings,
        what
            + " "
            + file
            + " holds secrets but is "
            + problem
            + (problem.endsWith("user") ? " on this host" : "")
            + " (mode "
            + octal
            + "); run chmod 600 "
            + file
            + " (or chmod 640, with a group of the user that runs walarchive)");
  }

  @Test
  void aConfigFileEveryUserMayChangeIsRefusedEvenWithoutSecrets() throws Exception {
    Path file = config("url=" + url() + "\nkey-file=" + keyFile + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertConfigurationError(
        List.of("--config", file.toString()),
        "configuration file "
            + file
            + " is writable by every user on this host (mode 0666), who could point it at another"
            + " archive or key; run chmod o-w "
            + file);
  }

  @Test
  void anEmptyKeySettingIsAnErrorNotPlaintext() throws Exception {
    // a template that rendered nothing: before, each of these archived without encryption
    for (String setting : List.of("key", "passphrase", "key-file", "keyring-file")) {
      Path file = config("url=" + url() + "\n" + setting + "=\n");
      assertConfigurationError(
          List.of("--config", file.toString()),
          setting
              + " in configuration file "
              + file
              + " is set but empty, which would turn encryption off; give it the "
              + (setting.equals("key")
                  ? "base64 key"
                  : setting.equals("passphrase") ? "passphrase" : "file's path")
              + ", or remove it to archive unencrypted");
    }
  }

  @Test
  void twoKeySettingsAreAnErrorNotASilentChoice() throws Exception {
    Path other = base.resolve("other.key");
    Files.copy(keyFile, other);
    Path file = config("url=" + url() + "\nkey-file=" + keyFile + "\n");
    Path ring = config("active=k2\nkey-file.k2=" + other + "\n");
    Drills.restrictToOwner(ring);
    assertConfigurationError(
        List.of("--config", file.toString(), "--keyring-file", ring.toString()),
        "more than one key setting is set (--keyring-file, key-file in configuration file "
            + file
            + "); set exactly one of keyring-file, key-file, key and passphrase (a keyring file"
            + " holds several keys for a rotation)");
  }

  @Test
  void aSecretStorageOptionIsNeverTakenAsAFlag() throws Exception {
    for (String option :
        List.of("s3.secret-access-key", "azure.account-key", "copy.1.s3.session-token")) {
      List<String> settings =
          new ArrayList<>(List.of("--url", url(), "-o", option + "=SUPERSECRET123"));
      if (option.startsWith("copy.")) {
        settings.addAll(List.of("--copy-url", "file:" + base.resolve("copy")));
      }
      assertConfigurationError(
          settings,
          "-o "
              + option
              + ": a secret is never taken from the command line, where every user of the host"
              + " can see it in the process listing; set "
              + CliConfig.envName(option)
              + " or put "
              + option
              + " in the configuration file (readable by its owner only)");
    }
    assertThat(base.resolve("copy")).doesNotExist();
  }

  @Test
  void aCopyThatIsTheArchiveSpelledDifferentlyIsRefused() throws Exception {
    for (String copy : List.of("file://" + archiveDir + "/", "file:" + archiveDir + "/./")) {
      assertConfigurationError(
          List.of("--url", url(), "--copy-url", copy),
          "--copy-url names the archive URL itself ("
              + url()
              + "); a copy must be another location");
    }
    Path c = base.resolve("copy");
    assertConfigurationError(
        List.of("--url", url(), "--copy-url", "file:" + c + ",file://" + c + "/"),
        "--copy-url names file://" + c + "/ twice; give each copy once");
  }

  @Test
  void aKeyItsGroupMayReadAndAConfigWithoutSecretsForAllAreAccepted() throws Exception {
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("r--r-----"));
    Path file = config("url=" + url() + "\nkey-file=" + keyFile + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Run push = run("wal-push", "--config", file.toString(), segment.toString());
    assertThat(push.exitCode()).as(push.toString()).isZero();
    Run fetch =
        run(
            "wal-fetch",
            "--config",
            file.toString(),
            segment.getFileName().toString(),
            dest.toString());
    assertThat(fetch.exitCode()).as(fetch.toString()).isZero();
    assertThat(Files.mismatch(segment, dest)).isEqualTo(-1);
  }

  @Test
  void aConfigFileThatIsADirectoryMissingOrNotUtf8IsAConfigurationError() throws Exception {
    assertConfigurationError(
        List.of("--config", base.toString()),
        "configuration file " + base + " is a directory, not a properties file; fix --config");
    Path missing = base.resolve("walarchive.properties");
    assertConfigurationError(
        List.of("--config", missing.toString()),
        "configuration file " + missing + " does not exist; fix --config");
    Path latin1 = base.resolve("latin1.properties");
    Files.write(
        latin1,
        ("url=" + url() + "\nkey-id=cl\u00e9\n")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertConfigurationError(
        List.of("--config", latin1.toString()),
        "configuration file "
            + latin1
            + " line 2: invalid UTF-8 (byte 0xE9 at byte 10 of the line); save the file as UTF-8");
  }

  @Test
  void verboseIsAcceptedBeforeAndAfterTheCommand() throws Exception {
    assertThat(
            run(
                    "-v",
                    "wal-push",
                    "--url",
                    url(),
                    "--key-file",
                    keyFile.toString(),
                    segment.toString())
                .exitCode())
        .isZero();
    for (String[] args :
        List.of(
            new String[] {"-v", "status", "--url", url()},
            new String[] {"--verbose", "list", "--url", url()},
            new String[] {"status", "-v", "--url", url()},
            new String[] {
              "-v",
              "wal-fetch",
              "--url",
              url(),
              "--key-file",
              keyFile.toString(),
              FETCHED_NAME,
              dest.toString()
            })) {
      Run r = run(args);
      assertThat(r.exitCode()).as(r.toString()).isZero();
    }
    assertThat(dest).hasSameBinaryContentAs(segment);
  }

  @Test
  void mistypedCommandsAndOptionsGetASuggestion() throws Exception {
    assertError(
        run("stauts"),
        2,
        "walarchive: unknown command 'stauts'; did you mean status? (see 'walarchive --help')");
    assertError(
        run("help", "stauts"),
        2,
        "walarchive: unknown command 'stauts'; did you mean status? (see 'walarchive --help')");
    assertError(
        run("wal-psuh", segment.toString()),
        2,
        "walarchive: unknown command 'wal-psuh'; did you mean wal-push? (see 'walarchive --help')");
    assertError(
        run("status", "--url", url(), "--jsno"),
        2,
        "walarchive status: unknown option '--jsno'; did you mean --json? (see 'walarchive status"
            + " --help')");
    assertError(
        run("wal-fetch", "--url", url(), "--key-fiel=" + keyFile, FETCHED_NAME, dest.toString()),
        126,
        "walarchive wal-fetch: unknown option '--key-fiel'; did you mean --key-file? (see"
            + " 'walarchive wal-fetch --help')");
    assertError(
        run("wal-push", "--url", url(), "--compresion", "none", segment.toString()),
        2,
        "walarchive wal-push: unknown option '--compresion'; did you mean --compression? (see"
            + " 'walarchive wal-push --help')");
    for (String item : List.of("--keep", "--window=7d", "--pin")) {
      String name = item.contains("=") ? item.substring(0, item.indexOf('=')) : item;
      assertError(
          run("retain", "--url", url(), item, "3"),
          2,
          "walarchive retain: unknown option '"
              + name
              + "'; retention items go into --policy, such as --policy keep=2,window=7d (see"
              + " 'walarchive retain --help')");
    }
    assertNothingStoredOrRestored();
  }

  @Test
  void anAgentWhoseDataDirectoryIsMissingOrAFileIsAConfigurationError() throws Exception {
    Path spool = base.resolve("spool");
    Path missing = base.resolve("pgdata-typo");
    assertError(
        run(
            "agent",
            "--url",
            url(),
            "--spool-dir",
            spool.toString(),
            "--pgdata",
            missing.toString()),
        2,
        "walarchive agent: data directory " + missing + " does not exist; fix --pgdata");
    assertError(
        run(
            "agent",
            "--url",
            url(),
            "--spool-dir",
            spool.toString(),
            "--pgdata",
            keyFile.toString()),
        2,
        "walarchive agent: data directory " + keyFile + " is not a directory; fix --pgdata");
    assertThat(spool).doesNotExist();
    assertNothingStoredOrRestored();
  }

  @Test
  void anAgentWhoseSpoolParentIsMissingCreatesNoTree() throws Exception {
    Path pgdata = Files.createDirectories(base.resolve("pgdata/pg_wal"));
    Path typo = base.resolve("spoool/walarchive");
    assertError(
        run(
            "agent",
            "--url",
            url(),
            "--spool-dir",
            typo.toString(),
            "--pgdata",
            pgdata.getParent().toString(),
            "--idle-exit",
            "1"),
        2,
        "walarchive agent: cannot create the spool directory "
            + typo
            + " (walarchive creates no directory above it); create it, writable by this user");
    assertThat(typo.getParent()).doesNotExist();
    assertError(
        run(
            "agent",
            "--url",
            url(),
            "--spool-dir",
            keyFile.toString(),
            "--pgdata",
            pgdata.getParent().toString(),
            "--idle-exit",
            "1"),
        2,
        "walarchive agent: the spool directory "
            + keyFile
            + " is a file, not a directory; fix spool-dir");
    assertNothingStoredOrRestored();
  }

  @Test
  void pinWithoutArgumentsListsThePinsOrSaysThereAreNone() throws Exception {
    String[] settings = {"--url", url(), "--key-file", keyFile.toString()};
    assertThat(run(concat(new String[] {"wal-push"}, settings, segment.toString())).exitCode())
        .isZero();
    Run none = run(concat(new String[] {"pin"}, settings));
    assertThat(none.exitCode()).as(none.toString()).isZero();
    assertThat(none.stdout())
        .isEqualTo(
            "no backup is pinned (pin one with 'walarchive pin BACKUP'; 'walarchive show' lists the"
                + " backups)\n");
    String backup = pushBackupHistory(settings);
    assertThat(run(concat(new String[] {"pin"}, settings, backup)).exitCode()).isZero();
    Run listed = run(concat(new String[] {"pin"}, settings));
    assertThat(listed.exitCode()).as(listed.toString()).isZero();
    assertThat(listed.stdout()).isEqualTo(backup + "\n");
  }

  private String pushBackupHistory(String[] settings) throws Exception {
    Lsn start = Lsn.ofSegment(1, 0x28, SIZE);
    String name = WalFileName.backupHistory(1, start, SIZE).name();
    Path file = base.resolve("wal").resolve(name);
    Files.writeString(
        file,
        "START WAL LOCATION: "
            + start
            + " (file "
            + FETCHED_NAME
            + ")\nSTOP WAL LOCATION: "
            + Lsn.ofSegment(1, 0x100, SIZE)
            + " (file "
            + FETCHED_NAME
            + ")\nCHECKPOINT LOCATION: "
            + Lsn.ofSegment(1, 0x60, SIZE)
            + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
            + "START TIME: 2026-01-01 00:00:00 UTC\nLABEL: test\nSTART TIMELINE: 1\n"
            + "STOP TIME: 2026-01-01 00:01:00 UTC\nSTOP TIMELINE: 1\n",
        UTF_8);
    Run r = run(concat(new String[] {"wal-push"}, settings, file.toString()));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return name;
  }

  private static String[] concat(String[] first, String[] second, String... rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(second));
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  @Test
  void helpWrapsAtSpacesAndNeverInsideATokenLikePercentPOrAUrl() {
    List<String> commands = new ArrayList<>(Main.subcommandNames());
    commands.remove("help");
    StringBuilder all = new StringBuilder();
    List<String> outputs = new ArrayList<>();
    Run root = run("--help");
    outputs.add(root.stdout());
    for (String command : commands) {
      Run r = run(command, "--help");
      assertThat(r.exitCode()).as(command).isZero();
      outputs.add(r.stdout());
    }
    for (String out : outputs) {
      all.append(out);
      for (String line : out.lines().toList()) {
        assertThat(line.length() <= HelpLayout.WIDTH || !line.strip().contains(" "))
            .as("line longer than %s columns: '%s'", HelpLayout.WIDTH, line)
            .isTrue();
      }
    }
    String text = all.toString();
    assertThat(text)
        .contains("'walarchive wal-push %p'")
        .contains("'walarchive wal-fetch %f %p'")
        .contains("gs://bucket/prefix")
        .contains("az://account/container/prefix")
        .contains("key-file.<id>=<path>")
        .contains("(%p)")
        .contains("000000010000000000000002.00000028.backup");
  }

  // ---- as processes, where the environment matters ----

  @Test
  void aPropertyTypoNoLongerPushesPlaintextThroughTheLauncher() throws Exception {
    Path file = config("url=" + url() + "\nkeyfile=" + keyFile + "\n");
    Cli.Result r = Cli.run(Map.of(), "wal-push", "--config", file.toString(), segment.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderrLines())
        .containsExactly(
            "walarchive wal-push: configuration file "
                + file
                + " line 2: unknown setting 'keyfile'; did you mean key-file?");
    Cli.Result env =
        Cli.run(
            Map.of("WALARCHIVE_URL", url(), "WALARCHIVE_S3_REGOIN", "eu-west-1"),
            "wal-fetch",
            FETCHED_NAME,
            dest.toString());
    assertThat(env.exitCode()).as(env.toString()).isEqualTo(126);
    assertThat(env.stderrLines())
        .containsExactly(
            "walarchive wal-fetch: environment variable WALARCHIVE_S3_REGOIN is not a storage"
                + " option; did you mean WALARCHIVE_S3_REGION? (unset it, or see the backend's"
                + " options)");
    assertNothingStoredOrRestored();
  }

  @Test
  void aMissingS3RegionIsAConfigurationErrorOnEveryCommand() throws Exception {
    Path home = Files.createDirectories(base.resolve("home"));
    String message =
        "no S3 region configured: set the option s3.region, the archive URL's ?region=,"
            + " AWS_REGION, or a region in the AWS profile";
    Map<String, String> env =
        Map.of("WALARCHIVE_URL", "s3://walarchive-test/db1", "HOME", home.toString());
    for (List<String> args :
        List.of(
            List.of("wal-push", segment.toString()),
            List.of("wal-fetch", FETCHED_NAME, dest.toString()),
            List.of("show"),
            List.of("status"))) {
      ProcessBuilder pb = Cli.builder(env, args.toArray(String[]::new));
      pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
      Process p = pb.start();
      String err = new String(p.getErrorStream().readAllBytes(), UTF_8).trim();
      assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
      int expected = args.get(0).equals("wal-fetch") ? 126 : 2;
      assertThat(p.exitValue()).as(err).isEqualTo(expected);
      assertThat(err.lines()).containsExactly("walarchive " + args.get(0) + ": " + message);
    }
    assertThat(dest).doesNotExist();
  }

  @Test
  void anUnreadableConfigFileIsAConfigurationErrorNamingTheUser() throws Exception {
    Path file = config("url=" + url() + "\nkey-file=" + keyFile + "\n");
    Drills.chownToPostgres(base);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    String user = Drills.isRoot() ? "postgres" : System.getProperty("user.name");
    for (String command : List.of("wal-push", "wal-fetch")) {
      List<String> cmd = new ArrayList<>();
      if (Drills.isRoot()) {
        cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
      }
      cmd.addAll(List.of(Cli.launcher().toString(), command, "--config", file.toString()));
      cmd.addAll(
          command.equals("wal-push")
              ? List.of(segment.toString())
              : List.of(FETCHED_NAME, dest.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().keySet().removeIf(k -> k.startsWith("WALARCHIVE_"));
      Process p = pb.start();
      String err = new String(p.getErrorStream().readAllBytes(), UTF_8).trim();
      assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as(err).isEqualTo(command.equals("wal-push") ? 2 : 126);
      assertThat(err.lines())
          .containsExactly(
              "walarchive "
                  + command
                  + ": configuration file "
                  + file
                  + " is not readable by user "
                  + user
                  + "; give that user read access to it");
    }
    assertNothingStoredOrRestored();
  }
}
