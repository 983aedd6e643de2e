package dev.walarchive.azure;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A pipeline policy for tests that answers the next Blob Batch requests itself with 403 {@code
 * AuthorizationPermissionMismatch}, as the service does for a credential without delete permission.
 */
final class RefusingPolicy implements HttpPipelinePolicy {
  static final String REQUEST_ID = "refusing-policy-request";

  private final AtomicInteger batchesToRefuse = new AtomicInteger();

  /** Refuses the next {@code n} batch requests. */
  void refuseBatches(int n) {
    batchesToRefuse.set(n);
  }

  private boolean refuse(HttpRequest request) {
    String query = request.getUrl().getQuery();
    return query != null
        && query.contains("comp=batch")
        && batchesToRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
  }

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    if (refuse(context.getHttpRequest())) {
      return Mono.just(new Refusal(context.getHttpRequest()));
    }
    return next.process();
  }

  @Override
  public HttpResponse processSync(
      HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    if (refuse(context.getHttpRequest())) {
      return new Refusal(context.getHttpRequest());
    }
    return next.processSync();
  }

  private static final class Refusal extends HttpResponse {
    private static final byte[] BODY =
        ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthorizationPermissionMismatch"
                + "</Code><Message>This request is not authorized to perform this operation"
                + " using this permission.</Message></Error>")
            .getBytes(UTF_8);

    private final HttpHeaders headers =
        new HttpHeaders()
            .set(HttpHeaderName.fromString("x-ms-error-code"), "AuthorizationPermissionMismatch")
            .set(HttpHeaderName.fromString("x-ms-request-id"), REQUEST_ID)
            .set(HttpHeaderName.CONTENT_TYPE, "application/xml")
            .set(HttpHeaderName.CONTENT_LENGTH, String.valueOf(BODY.length));

    Refusal(HttpRequest request) {
      super(request);
    }

    @Override
    public int getStatusCode() {
      return 403;
    }

    @Override
    @Deprecated
    public String getHeaderValue(String name) {
      return headers.getValue(HttpHeaderName.fromString(name));
    }

    @Override
    public HttpHeaders getHeaders() {
      return headers;
    }

    @Override
    public Flux<ByteBuffer> getBody() {
      return Flux.just(ByteBuffer.wrap(BODY));
    }

    @Override
    public Mono<byte[]> getBodyAsByteArray() {
      return Mono.just(BODY.clone());
    }

    @Override
    public Mono<String> getBodyAsString() {
      return Mono.just(new String(BODY, UTF_8));
    }

    @Override
    public Mono<String> getBodyAsString(Charset charset) {
      return Mono.just(new String(BODY, charset));
    }
  }
}
