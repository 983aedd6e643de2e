package dev.walarchive.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchiveException.Kind;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.ObjectIntegrityException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.format.UnsupportedFormatVersionException;
import dev.walarchive.core.format.WrongKeyException;
import dev.walarchive.core.retention.RetentionApplyException;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.StorageConfigurationException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WalArchiveExceptionTest {
  @Test
  void everyWalarchiveFailureIsOneCatchableTypeWithItsKind() {
    assertKind(new ArchiveConfigurationException("no manifest"), Kind.CONFIGURATION);
    assertKind(new ArchiveConflictException("differs"), Kind.CONFLICT);
    assertKind(new ArchiveMismatchException("other cluster"), Kind.CONFIGURATION);
    assertKind(new InvalidWalFileException("not a segment"), Kind.INVALID_INPUT);
    assertKind(new ObjectIntegrityException("flipped bit"), Kind.INTEGRITY);
    assertKind(new WrongKeyException("k1", "wrong key"), Kind.CONFIGURATION);
    assertKind(new UnknownKeyException("k2", "no key"), Kind.CONFIGURATION);
    assertKind(new UnsupportedFormatVersionException("x", 9), Kind.CONFIGURATION);
    assertKind(new StorageConfigurationException("no region"), Kind.CONFIGURATION);
    assertKind(
        new ArchiveStorageException("HTTP 503", Kind.TRANSIENT, 503, "r1", null), Kind.TRANSIENT);
    ArchiveStorageException transientFailure =
        new ArchiveStorageException("HTTP 503", Kind.TRANSIENT, 503, "r1", null);
    assertKind(new RetentionApplyException(transientFailure, 0, 10, List.of()), Kind.TRANSIENT);
  }

  private static void assertKind(WalArchiveException e, Kind kind) {
    assertThat(e).isInstanceOf(IOException.class);
    assertThat(e.kind()).as(e.getClass().getSimpleName()).isEqualTo(kind);
    assertThat(WalArchiveException.kindOf(e)).isEqualTo(kind);
    assertThat(e.isRetryable()).isEqualTo(kind == Kind.TRANSIENT);
  }

  @Test
  void jdkFailuresOfTheSpiAreClassifiedToo() {
    assertThat(WalArchiveException.kindOf(new WalFileNotFoundException("00000002.history")))
        .isEqualTo(Kind.NOT_FOUND);
    assertThat(WalArchiveException.kindOf(new NoSuchFileException("k"))).isEqualTo(Kind.NOT_FOUND);
    assertThat(WalArchiveException.kindOf(new FileAlreadyExistsException("k")))
        .isEqualTo(Kind.CONFLICT);
    assertThat(WalArchiveException.kindOf(new AccessDeniedException("/x")))
        .isEqualTo(Kind.PERMISSION);
    assertThat(WalArchiveException.kindOf(new SocketTimeoutException("read timed out")))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(WalArchiveException.isRetryable(new SocketTimeoutException("t"))).isTrue();
    assertThat(WalArchiveException.kindOf(new InterruptedIOException("stop")))
        .isEqualTo(Kind.INTERRUPTED);
    assertThat(WalArchiveException.kindOf(new IOException("disk full"))).isEqualTo(Kind.OTHER);
    assertThat(
            WalArchiveException.kindOf(
                new IOException(
                    "probe failed", new StorageConfigurationException("no credentials"))))
        .isEqualTo(Kind.CONFIGURATION);
    assertThat(WalArchiveException.kindOf(new UncheckedIOException(new NoSuchFileException("k"))))
        .isEqualTo(Kind.NOT_FOUND);
  }

  @Test
  void storageFailuresCarryStatusAndRequestId() {
    ArchiveStorageException e =
        new ArchiveStorageException("HTTP 403 AccessDenied", Kind.PERMISSION, 403, "REQ9", null);
    assertThat(e.statusCode()).hasValue(403);
    assertThat(e.requestId()).hasValue("REQ9");
    assertThat(new ArchiveStorageException("reset", Kind.TRANSIENT, null).statusCode()).isEmpty();
    assertThat(ArchiveStorageException.kindOfStatus(403)).isEqualTo(Kind.PERMISSION);
    assertThat(ArchiveStorageException.kindOfStatus(404)).isEqualTo(Kind.NOT_FOUND);
    assertThat(ArchiveStorageException.kindOfStatus(412)).isEqualTo(Kind.CONFLICT);
    assertThat(ArchiveStorageException.kindOfStatus(429)).isEqualTo(Kind.TRANSIENT);
    assertThat(ArchiveStorageException.kindOfStatus(503)).isEqualTo(Kind.TRANSIENT);
    assertThat(ArchiveStorageException.kindOfStatus(0)).isEqualTo(Kind.TRANSIENT);
    assertThat(ArchiveStorageException.kindOfStatus(400)).isEqualTo(Kind.OTHER);
    assertThat(ArchiveStorageException.kindOfStatus(501)).isEqualTo(Kind.OTHER);
  }
}
