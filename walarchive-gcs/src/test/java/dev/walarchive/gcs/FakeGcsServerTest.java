package dev.walarchive.gcs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake's own answers, checked with plain HTTP against the JSON API's documented shapes. */
class FakeGcsServerTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeGcsServer server;
  private String b;

  @BeforeEach
  void start() throws Exception {
    server = FakeGcsServer.start("fake-test");
    b = server.endpoint() + "/storage/v1/b/fake-test";
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(String method, String url, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(url))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      r.header(headers[i], headers[i + 1]);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> media(String name, byte[] content, String query) throws Exception {
    return send(
        "POST",
        server.endpoint()
            + "/upload/storage/v1/b/fake-test/o?uploadType=media&name="
            + FakeGcsServer.encode(name)
            + query,
        content,
        "Content-Type",
        "application/octet-stream");
  }

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  @Test
  void aFailedGenerationPreconditionAnswersTheServicesErrorBody() throws Exception {
    assertThat(media("a/b", new byte[] {1}, "&ifGenerationMatch=0").statusCode()).isEqualTo(200);
    HttpResponse<String> second = media("a/b", new byte[] {2}, "&ifGenerationMatch=0");
    assertThat(second.statusCode()).isEqualTo(412);
    assertThat(second.headers().firstValue("Content-Type"))
        .contains("application/json; charset=UTF-8");
    assertThat(JsonParser.parseString(second.body()))
        .isEqualTo(
            JsonParser.parseString(
                "{\"error\":{\"code\":412,\"message\":\"At least one of the pre-conditions you"
                    + " specified did not hold.\",\"errors\":[{\"message\":\"At least one of the"
                    + " pre-conditions you specified did not hold.\",\"domain\":\"global\","
                    + "\"reason\":\"conditionNotMet\",\"locationType\":\"header\","
                    + "\"location\":\"If-Match\"}]}}"));
    assertThat(server.content("fake-test", "a/b")).contains(new byte[] {1});
  }

  @Test
  void aMissingObjectAnswersNotFoundWithItsName() throws Exception {
    HttpResponse<String> r = send("GET", b + "/o/no%2Fsuch", new byte[0]);
    assertThat(r.statusCode()).isEqualTo(404);
    JsonObject error = json(r).getAsJsonObject("error");
    assertThat(error.get("message").getAsString()).isEqualTo("No such object: fake-test/no/such");
    assertThat(error.getAsJsonArray("errors").get(0).getAsJsonObject().get("reason").getAsString())
        .isEqualTo("notFound");
  }

  @Test
  void objectResourceHasTheJsonApiFields() throws Exception {
    byte[] content = "hello".getBytes(UTF_8);
    JsonObject o = json(media("dir/obj", content, ""));
    assertThat(o.get("kind").getAsString()).isEqualTo("storage#object");
    assertThat(o.get("name").getAsString()).isEqualTo("dir/obj");
    assertThat(o.get("bucket").getAsString()).isEqualTo("fake-test");
    assertThat(o.get("size").getAsJsonPrimitive().isString()).isTrue();
    assertThat(o.get("size").getAsString()).isEqualTo("5");
    assertThat(o.get("generation").getAsJsonPrimitive().isString()).isTrue();
    assertThat(o.get("id").getAsString())
        .isEqualTo("fake-test/dir/obj/" + o.get("generation").getAsString());
    assertThat(o.get("metageneration").getAsString()).isEqualTo("1");
    assertThat(o.get("md5Hash").getAsString()).isEqualTo("XUFAKrxLKna5cZ2REBfFkg==");
    // CRC32C of "hello" is 0x9a71bb4c, base64 of its big-endian bytes
    assertThat(o.get("crc32c").getAsString()).isEqualTo("mnG7TA==");
    assertThat(o.get("timeCreated").getAsString())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(o.get("selfLink").getAsString()).endsWith("/storage/v1/b/fake-test/o/dir%2Fobj");
    JsonObject got = json(send("GET", b + "/o/dir%2Fobj", new byte[0]));
    assertThat(got).isEqualTo(o);
  }

  @Test
  void listingPagesWithTokensAndCollapsesPrefixes() throws Exception {
    List<String> names = List.of("p/a", "p/b", "p/c/1", "p/c/2", "p/d", "q/x");
    for (String n : names) {
      media(n, new byte[] {1}, "");
    }
    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      JsonObject page =
          json(
              send(
                  "GET",
                  b + "/o?prefix=p/&maxResults=2" + (token == null ? "" : "&pageToken=" + token),
                  new byte[0]));
      pages++;
      assertThat(page.get("kind").getAsString()).isEqualTo("storage#objects");
      for (JsonElement item : page.has("items") ? page.getAsJsonArray("items") : new JsonArray()) {
        seen.add(item.getAsJsonObject().get("name").getAsString());
      }
      token = page.has("nextPageToken") ? page.get("nextPageToken").getAsString() : null;
    } while (token != null);
    assertThat(seen).containsExactly("p/a", "p/b", "p/c/1", "p/c/2", "p/d");
    assertThat(pages).isEqualTo(3);

    JsonObject delimited = json(send("GET", b + "/o?prefix=p/&delimiter=/", new byte[0]));
    assertThat(delimited.getAsJsonArray("prefixes").toString()).isEqualTo("[\"p/c/\"]");
    assertThat(delimited.getAsJsonArray("items")).hasSize(3);

    JsonObject empty = json(send("GET", b + "/o?prefix=nothing", new byte[0]));
    assertThat(empty.has("items")).isFalse();
    assertThat(empty.has("nextPageToken")).isFalse();
  }

  @Test
  void resumableUploadsPersistWholeUnitsAndCheckPreconditionsAtTheEnd() throws Exception {
    int unit = FakeGcsServer.RESUMABLE_GRANULARITY;
    HttpResponse<String> start =
        send(
            "POST",
            server.endpoint()
                + "/upload/storage/v1/b/fake-test/o?uploadType=resumable&name=r&ifGenerationMatch=0",
            "{}".getBytes(UTF_8),
            "Content-Type",
            "application/json; charset=UTF-8");
    assertThat(start.statusCode()).isEqualTo(200);
    String session = start.headers().firstValue("Location").orElseThrow();
    assertThat(session).contains("upload_id=").contains("ifGenerationMatch=0");

    byte[] data = new byte[unit + 100];
    Arrays.fill(data, (byte) 3);
    HttpResponse<String> partial =
        send("PUT", session, data, "Content-Range", "bytes 0-" + (data.length - 1) + "/*");
    assertThat(partial.statusCode()).isEqualTo(308);
    assertThat(partial.headers().firstValue("Range")).contains("bytes=0-" + (unit - 1));

    // someone else creates the object meanwhile: the initiation was fine, the commit is not
    assertThat(media("r", new byte[] {9}, "&ifGenerationMatch=0").statusCode()).isEqualTo(200);
    byte[] rest = Arrays.copyOfRange(data, unit, data.length);
    HttpResponse<String> done =
        send(
            "PUT",
            session,
            rest,
            "Content-Range",
            "bytes " + unit + "-" + (data.length - 1) + "/" + data.length);
    assertThat(done.statusCode()).isEqualTo(412);
    assertThat(done.body()).contains("conditionNotMet");
    assertThat(server.content("fake-test", "r")).contains(new byte[] {9});
  }

  @Test
  void resumableUploadsAskedAheadOfThePersistedOffsetAnswer503() throws Exception {
    String session =
        send(
                "POST",
                server.endpoint() + "/upload/storage/v1/b/fake-test/o?uploadType=resumable&name=s",
                new byte[0])
            .headers()
            .firstValue("Location")
            .orElseThrow();
    HttpResponse<String> ahead =
        send("PUT", session, new byte[10], "Content-Range", "bytes 10-19/20");
    assertThat(ahead.statusCode()).isEqualTo(503);
    HttpResponse<String> query = send("PUT", session, new byte[0], "Content-Range", "bytes */*");
    assertThat(query.statusCode()).isEqualTo(308);
    assertThat(query.headers().firstValue("Range")).isEmpty();
  }

  @Test
  void uploadsWithAWrongChecksumAreRejected() throws Exception {
    String boundary = "xyz";
    String body =
        "--xyz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            + "{\"name\":\"c\",\"crc32c\":\"AAAAAA==\"}\r\n--xyz\r\n"
            + "Content-Type: application/octet-stream\r\n\r\nhello\r\n--xyz--\r\n";
    HttpResponse<String> r =
        send(
            "POST",
            server.endpoint() + "/upload/storage/v1/b/fake-test/o?uploadType=multipart",
            body.getBytes(UTF_8),
            "Content-Type",
            "multipart/related; boundary=" + boundary);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("doesn't match calculated CRC32C");
    assertThat(server.content("fake-test", "c")).isEmpty();
  }

  @Test
  void mediaDownloadsHonourRanges() throws Exception {
    media("m", "0123456789".getBytes(UTF_8), "");
    HttpResponse<String> part =
        send(
            "GET",
            server.endpoint() + "/download/storage/v1/b/fake-test/o/m?alt=media",
            new byte[0],
            "Range",
            "bytes=3-5");
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.body()).isEqualTo("345");
    assertThat(part.headers().firstValue("Content-Range")).contains("bytes 3-5/10");
    assertThat(part.headers().firstValue("x-goog-stored-content-length")).contains("10");
    HttpResponse<String> beyond =
        send("GET", b + "/o/m?alt=media", new byte[0], "Range", "bytes=10-");
    assertThat(beyond.statusCode()).isEqualTo(416);
  }

  @Test
  void partialResponsesKeepOnlyTheRequestedFields() throws Exception {
    media("f/1", new byte[] {1, 2}, "");
    JsonObject page =
        json(send("GET", b + "/o?prefix=f/&fields=nextPageToken,items(name,size)", new byte[0]));
    assertThat(page.toString()).isEqualTo("{\"items\":[{\"name\":\"f/1\",\"size\":\"2\"}]}");
    JsonObject slashes = json(send("GET", b + "/o?prefix=f/&fields=items/name,kind", new byte[0]));
    assertThat(slashes.toString())
        .isEqualTo("{\"items\":[{\"name\":\"f/1\"}],\"kind\":\"storage#objects\"}");
    JsonObject object = json(send("GET", b + "/o/f%2F1?fields=generation", new byte[0]));
    assertThat(object.keySet()).containsExactly("generation");
  }

  @Test
  void aMissingBucketAnswersBucketNotFound() throws Exception {
    HttpResponse<String> r =
        send("GET", server.endpoint() + "/storage/v1/b/nope/o/x?alt=media", new byte[0]);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("The specified bucket does not exist.");
  }

  @Test
  void environmentAndOptionsNameTheSameSettings() {
    assertThat(server.options())
        .containsEntry("gcs.endpoint", server.endpoint())
        .containsEntry("gcs.no-credentials", "true")
        .containsEntry("gcs.project-id", FakeGcsServer.PROJECT_ID);
    assertThat(server.environment())
        .containsEntry("WALARCHIVE_GCS_ENDPOINT", server.endpoint())
        .containsEntry("WALARCHIVE_GCS_NO_CREDENTIALS", "true")
        .containsEntry("WALARCHIVE_GCS_PROJECT_ID", FakeGcsServer.PROJECT_ID);
    assertThat(server.url("pg/main")).isEqualTo("gs://fake-test/pg/main");
    assertThat(server.endpoint()).startsWith("http://127.0.0.1:");
  }
}
