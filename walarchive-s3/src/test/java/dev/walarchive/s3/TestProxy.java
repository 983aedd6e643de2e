package dev.walarchive.s3;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * An HTTP proxy on 127.0.0.1 in front of an S3 server, for tests: records requests, can strip a
 * request header (to play a store that ignores it), answer a request itself, cut a response body
 * short, or forward a request and then drop the connection instead of answering. The server behind
 * it must not check signatures ({@link S3TestServer#startUnauthenticated()}), since a changed
 * request no longer matches its signature.
 */
final class TestProxy implements AutoCloseable {
  /** A request as it reached the proxy; the body only if under 1 MiB. */
  record Request(
      String method, String path, String query, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String bodyText() {
      return body == null ? "" : new String(body, UTF_8);
    }

    boolean isObjectWrite() {
      return method.equals("PUT") && (query == null || !query.contains("uploads"));
    }
  }

  private enum Action {
    RESPOND,
    TRUNCATE,
    DROP
  }

  private record Rule(Predicate<Request> match, Action action, int status, String body) {}

  private static final Set<String> UNFORWARDED =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  private final URI target;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Rule> rules = new ArrayList<>();
  private volatile String strippedHeader;

  TestProxy(URI target) throws IOException {
    this.target = target;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Drops this request header from every request (e.g. If-None-Match). */
  void stripRequestHeader(String name) {
    strippedHeader = name.toLowerCase(Locale.ROOT);
  }

  /** Answers the next {@code times} matching requests itself, without forwarding them. */
  synchronized void respond(Predicate<Request> match, int times, int status, String xml) {
    for (int i = 0; i < times; i++) {
      rules.add(new Rule(match, Action.RESPOND, status, xml));
    }
  }

  /** Forwards the next matching request, then sends only half of the response body. */
  synchronized void truncateNext(Predicate<Request> match) {
    rules.add(new Rule(match, Action.TRUNCATE, 0, null));
  }

  /** Forwards the next matching request, then closes the connection without an answer. */
  synchronized void dropResponseNext(Predicate<Request> match) {
    rules.add(new Rule(match, Action.DROP, 0, null));
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  void clearRequests() {
    requests.clear();
  }

  private synchronized Rule takeRule(Request request) {
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).match().test(request)) {
        return rules.remove(i);
      }
    }
    return null;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      URI uri = exchange.getRequestURI();
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, String> headers = new TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
      Request request =
          new Request(
              method,
              uri.getRawPath(),
              uri.getRawQuery(),
              headers,
              body.length < 1024 * 1024 ? body : null);
      requests.add(request);
      Rule rule = takeRule(request);
      if (rule != null && rule.action() == Action.RESPOND) {
        byte[] xml = rule.body() == null ? new byte[0] : rule.body().getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        exchange.sendResponseHeaders(rule.status(), xml.length == 0 ? -1 : xml.length);
        exchange.getResponseBody().write(xml);
        return;
      }
      HttpRequest.Builder forward =
          HttpRequest.newBuilder(
                  URI.create(
                      target
                          + uri.getRawPath()
                          + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
              .timeout(Duration.ofMinutes(2))
              .method(
                  method,
                  body.length == 0
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(body));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!UNFORWARDED.contains(lower) && !lower.equals(strippedHeader)) {
                  values.forEach(v -> forward.header(name, v));
                }
              });
      HttpResponse<byte[]> response;
      try {
        response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      if (rule != null && rule.action() == Action.DROP) {
        return; // closing the exchange unanswered drops the connection
      }
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!UNFORWARDED.contains(lower) && !lower.equals(":status")) {
                  values.forEach(v -> exchange.getResponseHeaders().add(name, v));
                }
              });
      byte[] responseBody = response.body();
      int status = response.statusCode();
      if (method.equals("HEAD") || status == 204 || status == 304) {
        response
            .headers()
            .firstValue("content-length")
            .ifPresent(length -> exchange.getResponseHeaders().set("Content-Length", length));
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, responseBody.length == 0 ? -1 : responseBody.length);
      OutputStream out = exchange.getResponseBody();
      if (rule != null && rule.action() == Action.TRUNCATE) {
        out.write(responseBody, 0, responseBody.length / 2);
        out.flush();
        return; // closing with bytes missing drops the connection
      }
      out.write(responseBody);
    } catch (IOException | RuntimeException e) {
      // the client sees a dropped connection
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
