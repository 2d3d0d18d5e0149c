package io.tokenbroker.procore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Link parser's edge cases and the other header and body readers. */
class HeaderParsingTest {
  private static final String BASE = "https://api.procore.com/rest/v1.0/punch_items";

  @Test
  void theDocumentedExample() {
    PageLinks links =
        PageLinks.parse(
            "<"
                + BASE
                + "?page=1&per_page=5>; rel=\"first\", <"
                + BASE
                + "?page=2&per_page=5>; rel=\"prev\", <"
                + BASE
                + "?page=30&per_page=5>; rel=\"last\", <"
                + BASE
                + "?page=4&per_page=5>; rel=\"next\"");
    assertEquals(URI.create(BASE + "?page=1&per_page=5"), links.first());
    assertEquals(URI.create(BASE + "?page=2&per_page=5"), links.prev());
    assertEquals(URI.create(BASE + "?page=30&per_page=5"), links.last());
    assertEquals(URI.create(BASE + "?page=4&per_page=5"), links.next());
    assertTrue(links.hasNext());
  }

  @Test
  void emptyBlankAndAbsentMeanNoLinks() {
    assertEquals(PageLinks.NONE, PageLinks.parse(null));
    assertEquals(PageLinks.NONE, PageLinks.parse(""));
    assertEquals(PageLinks.NONE, PageLinks.parse("   "));
    assertFalse(PageLinks.NONE.hasNext());
  }

  @Test
  void separatorsWithoutSpacesAndExtraWhitespace() {
    PageLinks links =
        PageLinks.parse("<" + BASE + "?page=2>;rel=\"next\",<" + BASE + "?page=9>;rel=last");
    assertEquals(URI.create(BASE + "?page=2"), links.next());
    assertEquals(URI.create(BASE + "?page=9"), links.last());
    PageLinks spaced = PageLinks.parse("  < " + BASE + "?page=3 >  ;  rel = \"next\"  ,  ");
    assertEquals(URI.create(BASE + "?page=3"), spaced.next());
  }

  @Test
  void commasAndSemicolonsInsideUrls() {
    String url = BASE + "?filters%5Bid%5D=1,2,3&sort=a;b&page=2";
    PageLinks links =
        PageLinks.parse("<" + url + ">; rel=\"next\", <" + BASE + "?page=1>; rel=\"first\"");
    assertEquals(URI.create(url), links.next());
    assertEquals(URI.create(BASE + "?page=1"), links.first());
  }

  @Test
  void relationsAreCaseInsensitiveMultiValuedAndMayCarryOtherParameters() {
    PageLinks links =
        PageLinks.parse(
            "<"
                + BASE
                + "?page=5>; title=\"a, b; c\"; REL=\"Next LAST\", <"
                + BASE
                + "?page=1>; rel=\"previous\"");
    assertEquals(URI.create(BASE + "?page=5"), links.next());
    assertEquals(URI.create(BASE + "?page=5"), links.last());
    assertEquals(URI.create(BASE + "?page=1"), links.prev());
  }

  @Test
  void unreadableEntriesAreSkippedAndTheFirstOfARelationWins() {
    PageLinks links =
        PageLinks.parse(
            "garbage, <>; rel=\"next\", <"
                + BASE
                + "?page=2>; rel=\"next\", <"
                + BASE
                + "?page=3>; rel=\"next\","
                + " <"
                + BASE
                + "?page=4>; rel=\"unknown\", <"
                + BASE
                + "?page=7>");
    assertEquals(URI.create(BASE + "?page=2"), links.next());
    assertNull(links.last());
    assertEquals(
        PageLinks.NONE, PageLinks.parse("<" + BASE + "?page=2; rel=\"next\""), "no closing >");
  }

  @Test
  void unencodedCharactersAreToleratedOrEncoded() {
    PageLinks brackets =
        PageLinks.parse("<" + BASE + "?filters[by_status]=All&page=2>; rel=\"next\"");
    assertEquals(
        "filters[by_status]=All&page=2",
        brackets.next().getRawQuery(),
        "brackets are legal in a URI");
    PageLinks space = PageLinks.parse("<" + BASE + "?filters[name]=a b&page=2>; rel=\"next\"");
    assertEquals(URI.create(BASE + "?filters%5Bname%5D=a%20b&page=2"), space.next());
  }

  @Test
  void aMissingCommaBetweenEntriesIsTolerated() {
    PageLinks links =
        PageLinks.parse("<" + BASE + "?page=1>; rel=\"first\" <" + BASE + "?page=3>; rel=\"next\"");
    assertEquals(URI.create(BASE + "?page=1"), links.first());
    assertEquals(URI.create(BASE + "?page=3"), links.next());
  }

  @Test
  void rateLimitHeaders() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    RateLimit limit =
        RateLimit.from(
            headers(
                Map.of(
                    "X-Rate-Limit-Limit",
                    "600",
                    "X-Rate-Limit-Remaining",
                    "12",
                    "X-Rate-Limit-Reset",
                    "1767225630")),
            now);
    assertEquals(600, limit.limit());
    assertEquals(12, limit.remaining());
    assertEquals(Instant.ofEpochSecond(1767225630L), limit.reset());
    assertEquals(Duration.ofSeconds(30), limit.untilReset(now));
    assertEquals(Duration.ZERO, limit.untilReset(now.plusSeconds(60)));
    assertFalse(limit.isExhausted());
    RateLimit relative =
        RateLimit.from(
            headers(
                Map.of(
                    "x-rate-limit-limit",
                    "25",
                    "x-rate-limit-remaining",
                    "0",
                    "x-rate-limit-reset",
                    "7")),
            now);
    assertEquals(now.plusSeconds(7), relative.reset(), "a small reset is read as seconds from now");
    assertTrue(relative.isExhausted());
    assertEquals(
        600,
        RateLimit.from(
                headers(
                    Map.of(
                        "X-Rate-Limit-Limit",
                        "600.0",
                        "X-Rate-Limit-Remaining",
                        "1",
                        "X-Rate-Limit-Reset",
                        "1767225630.0")),
                now)
            .limit());
    assertNull(RateLimit.from(headers(Map.of("X-Rate-Limit-Limit", "600")), now));
    assertNull(
        RateLimit.from(
            headers(
                Map.of(
                    "X-Rate-Limit-Limit",
                    "lots",
                    "X-Rate-Limit-Remaining",
                    "1",
                    "X-Rate-Limit-Reset",
                    "1")),
            now));
  }

  @Test
  void serverMessagesFromEveryBodyShape() {
    assertEquals(
        "Unauthorized", Json.serverMessage("{\"errors\":\"Unauthorized\"}", "application/json"));
    assertEquals("x; y", Json.serverMessage("{\"errors\":[\"x\",\"y\"]}", "application/json"));
    assertEquals("name: blank", Json.serverMessage("{\"errors\":{\"name\":\"blank\"}}", null));
    assertEquals("m", Json.serverMessage("{\"code\":1,\"message\":\"m\",\"error\":\"e\"}", null));
    assertEquals(
        "The provided authorization grant is invalid",
        Json.serverMessage(
            "{\"error\":\"invalid_grant\",\"error_description\":\"The provided authorization grant"
                + " is invalid\"}",
            null));
    assertEquals(
        "You have surpassed the max number of requests for an hour. Please wait until your limit"
            + " resets.",
        Json.serverMessage(
            "You have surpassed the max number of requests for an hour. Please wait until your"
                + " limit resets.\n",
            "text/plain"));
    assertEquals(
        "an HTML page instead of JSON",
        Json.serverMessage("<html><body>x</body></html>", "text/html"));
    assertEquals("", Json.serverMessage("", null));
    assertEquals("", Json.serverMessage("{}", "application/json"));
    assertEquals("{not json", Json.serverMessage("{not json", "application/json"));
  }

  @Test
  void redactionRemovesTokenLookingText() {
    String hex = "dbaf9757982a9e738f05d249b7b5b4a266b3a139049317c4909f2f263572c781";
    String jwt =
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzUxMiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl";
    String scrubbed =
        Redaction.scrub(
            "Bearer abc.def-ghi and " + hex + " and " + jwt + " for company 5000000001");
    assertFalse(scrubbed.contains("abc.def-ghi"));
    assertFalse(scrubbed.contains(hex));
    assertFalse(scrubbed.contains(jwt));
    assertTrue(scrubbed.contains("5000000001"), "ids survive");
  }

  @Test
  void pageNumbersAndFallbackUris() {
    assertEquals(1, Paged.pageNumber(URI.create(BASE)));
    assertEquals(3, Paged.pageNumber(URI.create(BASE + "?per_page=5&page=3")));
    assertEquals(
        URI.create(BASE + "?per_page=5&page=4"),
        Paged.withPage(URI.create(BASE + "?page=3&per_page=5"), 4));
    assertEquals(URI.create(BASE + "?page=2"), Paged.withPage(URI.create(BASE), 2));
  }

  private static HttpHeaders headers(Map<String, String> values) {
    Map<String, List<String>> map = new java.util.HashMap<>();
    values.forEach((k, v) -> map.put(k, List.of(v)));
    return HttpHeaders.of(map, (a, b) -> true);
  }
}
