package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An OAuth error answer of the fake server, thrown to unwind; carries no stack trace. A 401 gets
 * {@code WWW-Authenticate: Basic} unless other headers say otherwise.
 */
final class OAuthError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int status;
  final String error;
  private final Map<String, String> headers;

  OAuthError(int status, String error, String description) {
    this(status, error, description, Map.of());
  }

  OAuthError(int status, String error, String description, Map<String, String> headers) {
    super(description, null, false, false);
    this.status = status;
    this.error = error;
    this.headers = Map.copyOf(headers);
  }

  /** The error description; never null (every constructor sets it). */
  @Override
  public String getMessage() {
    return requireNonNull(super.getMessage());
  }

  /** This error with a response header added. */
  OAuthError withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new OAuthError(status, error, getMessage(), more);
  }

  Reply reply() {
    Reply reply = Reply.oauthError(status, error, getMessage()).withHeaders(headers);
    return status == 401 && !headers.containsKey("WWW-Authenticate")
        ? reply.withHeader("WWW-Authenticate", "Basic realm=\"fake-authorization-server\"")
        : reply;
  }

  static OAuthError invalidGrant(String description) {
    return new OAuthError(400, "invalid_grant", description);
  }

  static OAuthError invalidClient(String description) {
    return new OAuthError(401, "invalid_client", description);
  }

  static OAuthError invalidRequest(String description) {
    return new OAuthError(400, "invalid_request", description);
  }
}
