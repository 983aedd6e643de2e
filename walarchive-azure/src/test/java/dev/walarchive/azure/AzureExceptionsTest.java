package dev.walarchive.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.storage.blob.models.BlobStorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class AzureExceptionsTest {
  static final String SIG = "c2VjcmV0LXNpZ25hdHVyZS1mb3ItdGVzdHM=";
  static final String KEY = "a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleQ==";
  static final String LOCATION = "az://acct/wal/db1";

  final AzureExceptions errors =
      new AzureExceptions(
          LOCATION,
          AzureExceptions.secretsOf(
              AzureStorageConfig.fromUrl(
                  URI.create(LOCATION),
                  Map.of("azure.sas-token", "sv=2024-01-01&sp=racwdl&sig=" + SIG))));

  static BlobStorageException serviceError(int status, String code, String message) {
    HttpHeaders headers = new HttpHeaders();
    if (code != null) {
      headers.set(HttpHeaderName.fromString("x-ms-error-code"), code);
    }
    HttpRequest request =
        new HttpRequest(
            HttpMethod.GET, "https://acct.blob.core.windows.net/wal/db1/k?sv=1&sig=" + SIG);
    HttpResponse response =
        new HttpResponse(request) {
          @Override
          public int getStatusCode() {
            return status;
          }

          @Override
          @Deprecated
          public String getHeaderValue(String name) {
            return headers.getValue(name);
          }

          @Override
          public HttpHeaders getHeaders() {
            return headers;
          }

          @Override
          public Flux<ByteBuffer> getBody() {
            return Flux.empty();
          }

          @Override
          public Mono<byte[]> getBodyAsByteArray() {
            return Mono.empty();
          }

          @Override
          public Mono<String> getBodyAsString() {
            return Mono.empty();
          }

          @Override
          public Mono<String> getBodyAsString(Charset charset) {
            return Mono.empty();
          }
        };
    return new BlobStorageException(message, response, null);
  }

  static String everything(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @Test
  void onlyAMissingBlobIsNoSuchFile() {
    assertThat(errors.translate("open", "k", serviceError(404, "BlobNotFound", "gone")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("k")
        .hasMessageContaining(LOCATION);
    for (String code : new String[] {"ContainerNotFound", "ResourceNotFound", null}) {
      assertThat(errors.translate("open", "k", serviceError(404, code, "x")))
          .as(String.valueOf(code))
          .isNotInstanceOf(NoSuchFileException.class)
          .hasMessageContaining("404");
    }
    assertThat(errors.translate("open", "k", serviceError(404, "ContainerNotFound", "x")))
        .hasMessageContaining("container of " + LOCATION + " does not exist");
  }

  @Test
  void anExistingBlobIsFileAlreadyExists() {
    assertThat(errors.translate("create", "k", serviceError(409, "BlobAlreadyExists", "x")))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("k");
    assertThat(errors.translate("create", "k", serviceError(412, "ConditionNotMet", "x")))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(errors.translate("create", "k", serviceError(409, "LeaseIdMissing", "leased")))
        .isNotInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("HTTP 409 LeaseIdMissing");
  }

  @Test
  void otherErrorsNameOperationKeyStatusAndCode() {
    IOException e = errors.translate("stat", "wal/x", serviceError(503, "ServerBusy", "slow down"));
    assertThat(e)
        .hasMessageContaining("Azure stat of 'wal/x' in " + LOCATION)
        .hasMessageContaining("HTTP 503 ServerBusy");
    assertThat(e.getCause()).isInstanceOf(BlobStorageException.class);
    assertThat(errors.translate("stat", "k", serviceError(403, "AuthorizationFailure", "no")))
        .hasMessageContaining("check the credential");
  }

  @Test
  void signaturesAndKeysAreScrubbedFromMessagesAndCauses() {
    String url = "https://acct.blob.core.windows.net/wal/db1/k?sv=2024-01-01&sig=" + SIG;
    RuntimeException wrapped =
        new UncheckedIOException(new IOException("connection reset while sending " + url));
    IOException e = errors.translate("create", "k", wrapped);
    assertThat(everything(e)).doesNotContain(SIG).contains("sig=REDACTED").contains("k");
    assertThat(e.getCause())
        .isInstanceOf(dev.walarchive.core.storage.spi.SecretScrubber.ScrubbedException.class);
    assertThat(e.getCause().getMessage()).startsWith("java.io.IOException: ");
    assertThat(e.getCause().getStackTrace()).isNotEmpty();

    IOException fromService =
        errors.translate("open", "k", serviceError(500, "InternalError", "failed for " + url));
    assertThat(everything(fromService)).doesNotContain(SIG);

    assertThat(errors.scrub("AccountKey=" + KEY + ";EndpointSuffix=core.windows.net"))
        .isEqualTo("AccountKey=REDACTED;EndpointSuffix=core.windows.net");
    assertThat(errors.scrub("Authorization: SharedKey acct:" + KEY)).doesNotContain(KEY);
    assertThat(errors.scrub("the literal secret " + SIG + " anywhere")).doesNotContain(SIG);
  }

  @Test
  void cleanCausesAreKeptAsTheyAre() {
    IOException cause = new IOException("connection refused");
    IOException e = errors.translate("stat", "k", new UncheckedIOException(cause));
    assertThat(e.getCause()).isSameAs(cause);
    assertThat(e).hasMessageContaining("connection refused");
  }

  @Test
  void secretsOfAConnectionStringIncludeItsKeyAndSignature() {
    AzureStorageConfig config =
        AzureStorageConfig.fromUrl(
            URI.create("az://acct/wal"),
            Map.of(
                "azure.connection-string",
                "AccountName=acct;AccountKey=" + KEY + ";SharedAccessSignature=sv=1&sig=" + SIG));
    Set<String> secrets = AzureExceptions.secretsOf(config);
    assertThat(secrets).contains(KEY, SIG);
    AzureExceptions withConnection = new AzureExceptions(LOCATION, secrets);
    assertThat(withConnection.scrub("x " + KEY + " y " + SIG))
        .doesNotContain(KEY)
        .doesNotContain(SIG);
  }
}
