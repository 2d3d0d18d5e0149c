package io.tokenbroker.oauth.internal;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import net.minidev.json.JSONObject;
import org.jspecify.annotations.Nullable;

/**
 * What tokenbroker takes from an authorization server's metadata document (RFC 8414, or OpenID
 * Connect Discovery's {@code openid-configuration}, which has the same members). Parsing is
 * Nimbus's {@link AuthorizationServerMetadata}; this class adds the checks RFC 8414 §3.3 requires
 * (the {@code issuer} is exactly the one asked for) and ours (endpoints are {@code https} or on
 * loopback). Messages never quote the document.
 *
 * @param issuer the issuer, identical to the one requested
 * @param authorizationEndpoint {@code authorization_endpoint}, if any
 * @param tokenEndpoint {@code token_endpoint}, if any
 * @param revocationEndpoint {@code revocation_endpoint}, if any
 * @param deviceAuthorizationEndpoint {@code device_authorization_endpoint}, if any
 * @param pushedAuthorizationRequestEndpoint {@code pushed_authorization_request_endpoint}, if any
 * @param requirePushedAuthorizationRequests {@code require_pushed_authorization_requests}
 * @param authorizationResponseIssParameterSupported {@code
 *     authorization_response_iss_parameter_supported} (RFC 9207)
 */
public record ServerMetadata(
    String issuer,
    @Nullable URI authorizationEndpoint,
    @Nullable URI tokenEndpoint,
    @Nullable URI revocationEndpoint,
    @Nullable URI deviceAuthorizationEndpoint,
    @Nullable URI pushedAuthorizationRequestEndpoint,
    boolean requirePushedAuthorizationRequests,
    boolean authorizationResponseIssParameterSupported) {

  /** The document's {@code issuer} is not the issuer that was asked for (RFC 8414 §3.3). */
  public static final class IssuerMismatchException extends Exception {
    private static final long serialVersionUID = 1L;

    IssuerMismatchException(String message) {
      super(message);
    }

    /** Names both issuers; never null. */
    @Override
    public String getMessage() {
      return Objects.requireNonNull(super.getMessage());
    }
  }

  /**
   * The RFC 8414 §3.1 location of {@code issuer}'s metadata: {@code
   * /.well-known/oauth-authorization-server} inserted between the host and the issuer's path (whose
   * terminating {@code /} is removed).
   */
  public static URI oauthLocation(URI issuer) {
    String path = issuer.getRawPath() == null ? "" : issuer.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return URI.create(origin(issuer) + "/.well-known/oauth-authorization-server" + path);
  }

  /**
   * The OpenID Connect Discovery 1.0 §4 location: {@code /.well-known/openid-configuration}
   * appended to the issuer (its terminating {@code /} removed).
   */
  public static URI openIdLocation(URI issuer) {
    String path = issuer.getRawPath() == null ? "" : issuer.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return URI.create(origin(issuer) + path + "/.well-known/openid-configuration");
  }

  private static String origin(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  /**
   * Reads a metadata document fetched for {@code expectedIssuer}.
   *
   * @throws TokenResponses.MalformedResponseException if it is not a metadata document, or an
   *     endpoint is not an {@code https} (or loopback) URL
   * @throws IssuerMismatchException if its {@code issuer} differs from {@code expectedIssuer}
   */
  public static ServerMetadata parse(@Nullable String body, URI expectedIssuer)
      throws TokenResponses.MalformedResponseException, IssuerMismatchException {
    Map<String, Object> object = TokenResponses.parseObject(body);
    if (object == null) {
      throw new TokenResponses.MalformedResponseException(
          "the metadata document is not a JSON object (" + TokenResponses.describeBody(body) + ")");
    }
    Object issuer = object.get("issuer");
    if (!(issuer instanceof String issuerText) || issuerText.isEmpty()) {
      throw new TokenResponses.MalformedResponseException("the metadata document has no issuer");
    }
    if (!issuerText.equals(expectedIssuer.toString())) {
      throw new IssuerMismatchException(
          "the metadata document names another issuer than "
              + expectedIssuer
              + " (RFC 8414 §3.3 requires them identical; a mix-up or a misconfigured issuer)");
    }
    AuthorizationServerMetadata metadata;
    try {
      metadata = AuthorizationServerMetadata.parse(new JSONObject(Json.toNimbus(object)));
    } catch (ParseException | RuntimeException e) {
      // Nimbus messages name members, not values; ours say even less.
      throw new TokenResponses.MalformedResponseException(
          "the metadata document is not valid RFC 8414 metadata");
    }
    return new ServerMetadata(
        issuerText,
        secure(metadata.getAuthorizationEndpointURI(), "authorization_endpoint"),
        secure(metadata.getTokenEndpointURI(), "token_endpoint"),
        secure(metadata.getRevocationEndpointURI(), "revocation_endpoint"),
        secure(metadata.getDeviceAuthorizationEndpointURI(), "device_authorization_endpoint"),
        secure(
            metadata.getPushedAuthorizationRequestEndpointURI(),
            "pushed_authorization_request_endpoint"),
        metadata.requiresPushedAuthorizationRequests(),
        metadata.supportsAuthorizationResponseIssuerParam());
  }

  private static @Nullable URI secure(@Nullable URI uri, String member)
      throws TokenResponses.MalformedResponseException {
    if (uri == null) {
      return null;
    }
    try {
      return Urls.requireSecure(uri, member);
    } catch (IllegalArgumentException e) {
      throw new TokenResponses.MalformedResponseException(
          "the metadata's " + member + " is not an https URL (plain http only on loopback hosts)");
    }
  }
}
