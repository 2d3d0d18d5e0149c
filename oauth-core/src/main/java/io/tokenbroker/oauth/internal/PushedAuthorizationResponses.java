package io.tokenbroker.oauth.internal;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.PushedAuthorizationSuccessResponse;
import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a pushed authorization response (RFC 9126 §2.2) through Nimbus's {@link
 * PushedAuthorizationSuccessResponse}. The {@code request_uri} goes into the browser's URL, so it
 * must be a printable absolute URI.
 */
public final class PushedAuthorizationResponses {
  private PushedAuthorizationResponses() {}

  /**
   * A pushed request: the {@code request_uri} to send the user with, and its lifetime.
   *
   * @param requestUri the {@code request_uri}
   * @param expiresInSeconds its lifetime
   */
  public record Pushed(URI requestUri, long expiresInSeconds) {}

  /** Reads a 2xx (201) pushed authorization body. */
  public static Pushed parse(@Nullable String body)
      throws TokenResponses.MalformedResponseException {
    Map<String, Object> object = TokenResponses.parseObject(body);
    if (object == null) {
      throw new TokenResponses.MalformedResponseException(
          "the pushed authorization response is not a JSON object ("
              + TokenResponses.describeBody(body)
              + ")");
    }
    PushedAuthorizationSuccessResponse response;
    try {
      response = PushedAuthorizationSuccessResponse.parse(Json.toNimbus(object));
    } catch (ParseException | RuntimeException e) {
      throw new TokenResponses.MalformedResponseException(
          "the pushed authorization response lacks request_uri or expires_in, or one is malformed");
    }
    URI requestUri = response.getRequestURI();
    if (requestUri == null
        || !requestUri.isAbsolute()
        || !DeviceResponses.printable(requestUri.toString())
        || requestUri.toString().contains(" ")) {
      throw new TokenResponses.MalformedResponseException(
          "the pushed authorization response's request_uri is not a printable absolute URI");
    }
    if (response.getLifetime() <= 0) {
      throw new TokenResponses.MalformedResponseException(
          "the pushed authorization response's expires_in is not positive");
    }
    return new Pushed(requestUri, response.getLifetime());
  }
}
