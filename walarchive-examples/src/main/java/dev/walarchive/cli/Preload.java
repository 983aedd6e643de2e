package dev.walarchive.cli;

/**
 * Loads, on a thread of its own, what {@code restore} and {@code backup-push} need once their
 * command line is parsed: the JDK's AES-GCM, HMAC and SHA-256 providers and zstd-jni's native
 * library (HKDF is the JDK's HMAC now: Bouncy Castle's signed jar is opened only for passphrase
 * keys' Argon2id). Done on the main thread, one after the other, that was about 0.3 s of the start
 * of a restore, while the second core was idle; the main thread finds them loaded, or waits for the
 * class being loaded. A failure here is ignored: the command meets it again and reports it.
 */
final class Preload {
  private static final String[] CLASSES = {
    "com.github.luben.zstd.ZstdInputStreamNoFinalizer",
    "com.github.luben.zstd.ZstdOutputStreamNoFinalizer",
  };

  private Preload() {}

  /** Starts loading; returns at once. */
  static void start() {
    Thread t = new Thread(Preload::run, "walarchive-preload");
    t.setDaemon(true);
    t.start();
  }

  private static void run() {
    try {
      javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
      javax.crypto.Mac.getInstance("HmacSHA256");
      java.security.MessageDigest.getInstance("SHA-256");
      ClassLoader loader = Preload.class.getClassLoader();
      for (String name : CLASSES) {
        Class.forName(name, true, loader);
      }
    } catch (Exception | LinkageError e) {
      // the command loads them again and reports what is missing
    }
  }
}
