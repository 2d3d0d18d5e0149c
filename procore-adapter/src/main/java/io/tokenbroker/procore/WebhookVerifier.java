package io.tokenbroker.procore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks an incoming webhook delivery as far as Procore documents one, and reads its event.
 *
 * <p><b>What Procore documents:</b> a delivery is an HTTPS {@code POST} with {@code Content-Type:
 * application/json} and the event object as its body, carrying the {@code destination_headers} you
 * configured on the hook; its guide says to "verify the {@code Authorization} header". Procore
 * documents <b>no signature</b> (no HMAC of the body, no timestamp header): UNCONFIRMED that none
 * exists. So the only proof of origin is a shared secret you put into {@code destination_headers}
 * ({@link WebhookHookSpec#withAuthorization}) and check here; anyone who learns it can forge
 * deliveries, so keep it long, random, rotated, and out of logs. Deliveries are retried (with
 * backoff, for up to 12 hours) and may repeat: deduplicate on {@link WebhookEvent#dedupeKey()}.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.builder()
 *     .requireHeader("Authorization", "Bearer " + sharedSecret)
 *     .build();
 * // in your HTTP handler:
 * WebhookEvent event = verifier.verify(request.headers(), request.body());   // or 401/400
 * respond(204);                          // quickly (Procore times out after 5 s), then process
 * }</pre>
 *
 * <p>Header names match case-insensitively; values are compared in constant time. Immutable and
 * thread-safe; {@link #toString()} shows only the header names.
 */
public final class WebhookVerifier {
  /** The default cap on a delivery's body: {@value} bytes. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

  private final Map<String, byte[]> expectedDigests;
  private final int maxBodyBytes;

  private WebhookVerifier(Builder b) {
    this.expectedDigests = Map.copyOf(b.expected);
    this.maxBodyBytes = b.maxBodyBytes;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Verifies a delivery and reads its event (any of Procore's payload formats).
   *
   * @param headers the request's headers, any name case (a JDK {@code HttpExchange}'s, a servlet
   *     request's gathered into a map, …)
   * @param body the request body
   * @throws WebhookVerificationException if a configured header is missing or wrong, the body is
   *     too large, not JSON, or not an event
   */
  public WebhookEvent verify(Map<String, List<String>> headers, byte[] body) {
    requireNonNull(headers, "headers == null");
    requireNonNull(body, "body == null");
    for (Map.Entry<String, byte[]> expected : expectedDigests.entrySet()) {
      List<String> values = values(headers, expected.getKey());
      if (values.size() != 1) {
        throw new WebhookVerificationException(
            WebhookVerificationException.Reason.MISSING_HEADER,
            "the delivery has "
                + (values.isEmpty() ? "no" : values.size() + " values of the")
                + " header "
                + expected.getKey());
      }
      if (!MessageDigest.isEqual(expected.getValue(), sha256(values.get(0)))) {
        throw new WebhookVerificationException(
            WebhookVerificationException.Reason.WRONG_HEADER,
            "the delivery's " + expected.getKey() + " header is not the configured one");
      }
    }
    if (body.length > maxBodyBytes) {
      throw new WebhookVerificationException(
          WebhookVerificationException.Reason.TOO_LARGE,
          "the delivery's body has " + body.length + " bytes, more than " + maxBodyBytes);
    }
    List<String> contentTypes = values(headers, "Content-Type");
    if (!contentTypes.isEmpty() && !contentTypes.get(0).toLowerCase(Locale.ROOT).contains("json")) {
      throw new WebhookVerificationException(
          WebhookVerificationException.Reason.NOT_JSON, "the delivery does not declare JSON");
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) {
      throw new WebhookVerificationException(
          WebhookVerificationException.Reason.NOT_JSON, "the delivery's body is not a JSON object");
    }
    try {
      return WebhookEvent.fromJson(node);
    } catch (IllegalArgumentException e) {
      throw new WebhookVerificationException(
          WebhookVerificationException.Reason.NOT_AN_EVENT,
          "the delivery's body is not a webhook event: " + e.getMessage());
    }
  }

  private static List<String> values(Map<String, List<String>> headers, String name) {
    List<String> out = new ArrayList<>();
    headers.forEach(
        (key, list) -> {
          if (key != null && key.equalsIgnoreCase(name) && list != null) {
            out.addAll(list);
          }
        });
    return out;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "WebhookVerifier" + expectedDigests.keySet();
  }

  /** Configures a {@link WebhookVerifier}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, byte[]> expected = new LinkedHashMap<>();
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;

    private Builder() {}

    /**
     * A header every delivery must carry with exactly {@code value}: one of the hook's {@code
     * destination_headers}, typically {@code ("Authorization", "Bearer " + sharedSecret)}. Only a
     * digest of the value is kept.
     */
    public Builder requireHeader(String name, String value) {
      requireNonNull(name, "name == null");
      requireNonNull(value, "value == null");
      if (name.isBlank() || value.isEmpty()) {
        throw new IllegalArgumentException("a required header needs a name and a value");
      }
      expected.put(name, sha256(value));
      return this;
    }

    /** The largest body accepted; default {@value #DEFAULT_MAX_BODY_BYTES} bytes. */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBodyBytes < 1024: " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @throws IllegalStateException if no header is required: Procore signs nothing, so a verifier
     *     without a shared secret would accept anyone's request
     */
    public WebhookVerifier build() {
      if (expected.isEmpty()) {
        throw new IllegalStateException(
            "require at least one header (the hook's destination_headers secret): Procore documents"
                + " no signature, so nothing else proves a delivery's origin");
      }
      return new WebhookVerifier(this);
    }
  }
}
