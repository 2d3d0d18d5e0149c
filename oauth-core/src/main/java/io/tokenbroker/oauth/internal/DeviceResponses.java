package io.tokenbroker.oauth.internal;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a device authorization response (RFC 8628 §3.2) through Nimbus's {@link
 * DeviceAuthorizationSuccessResponse}, with our checks: the verification URIs are absolute {@code
 * https} (or loopback) URLs and the user code is printable, because both are shown to the user; the
 * polling interval is at least one second. Messages never quote the device code.
 */
public final class DeviceResponses {
  /** The longest polling interval honoured; a server asking for more gets this. */
  public static final long MAX_INTERVAL_SECONDS = 300;

  private DeviceResponses() {}

  /**
   * A started device authorization.
   *
   * @param deviceCode the device code (a secret: sent only to the token endpoint)
   * @param userCode the code the user types
   * @param verificationUri where the user goes
   * @param verificationUriComplete the URI with the user code in it, if the server gave one
   * @param expiresInSeconds the lifetime of the codes
   * @param intervalSeconds the polling interval (5 s when the server did not say)
   */
  public record Started(
      String deviceCode,
      String userCode,
      URI verificationUri,
      @Nullable URI verificationUriComplete,
      long expiresInSeconds,
      long intervalSeconds) {
    @Override
    public String toString() {
      return "Started[userCode="
          + userCode
          + ", verificationUri="
          + verificationUri
          + ", deviceCode=[redacted]]";
    }
  }

  /** Reads a 2xx device authorization body. */
  public static Started parse(@Nullable String body)
      throws TokenResponses.MalformedResponseException {
    Map<String, Object> object = TokenResponses.parseObject(body);
    if (object == null) {
      throw new TokenResponses.MalformedResponseException(
          "the device authorization response is not a JSON object ("
              + TokenResponses.describeBody(body)
              + ")");
    }
    DeviceAuthorizationSuccessResponse response;
    try {
      response = DeviceAuthorizationSuccessResponse.parse(Json.toNimbus(object));
    } catch (ParseException | RuntimeException e) {
      throw new TokenResponses.MalformedResponseException(
          "the device authorization response lacks device_code, user_code, verification_uri"
              + " or expires_in, or one is malformed");
    }
    String deviceCode = response.getDeviceCode().getValue();
    String userCode = response.getUserCode().getValue();
    if (deviceCode.isEmpty() || userCode.isEmpty() || !printable(userCode)) {
      throw new TokenResponses.MalformedResponseException(
          "the device authorization response has an empty or unprintable code");
    }
    URI verification = shown(response.getVerificationURI(), "verification_uri");
    if (verification == null) {
      throw new TokenResponses.MalformedResponseException(
          "the device authorization response has no verification_uri");
    }
    URI complete = shown(response.getVerificationURIComplete(), "verification_uri_complete");
    long lifetime = response.getLifetime();
    if (lifetime <= 0) {
      throw new TokenResponses.MalformedResponseException(
          "the device authorization response's expires_in is not positive");
    }
    long interval = Math.max(1, Math.min(MAX_INTERVAL_SECONDS, response.getInterval()));
    return new Started(deviceCode, userCode, verification, complete, lifetime, interval);
  }

  private static @Nullable URI shown(@Nullable URI uri, String member)
      throws TokenResponses.MalformedResponseException {
    if (uri == null) {
      return null;
    }
    try {
      Urls.requireSecure(uri, member);
    } catch (IllegalArgumentException e) {
      throw new TokenResponses.MalformedResponseException(
          "the device authorization response's "
              + member
              + " is not an https URL (plain http only on loopback hosts)");
    }
    if (!printable(uri.toString())) {
      throw new TokenResponses.MalformedResponseException(
          "the device authorization response's " + member + " is not printable");
    }
    return uri;
  }

  /** No control characters and no white space: safe to print on a terminal line. */
  static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || (Character.isWhitespace(c) && c != ' ')) {
        return false;
      }
      if (Character.getType(c) == Character.FORMAT) {
        return false; // bidi overrides and the like
      }
    }
    return s.length() <= 2048;
  }
}
