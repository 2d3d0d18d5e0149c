package io.tokenbroker.oauth.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientConfigurationException;
import io.tokenbroker.oauth.ParameterPlacement;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Turns token-request parameters into an HTTP request shaped the way a provider wants it. */
public final class TokenRequests {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenRequests() {}

  /**
   * Builds a POST to {@code endpoint} carrying {@code parameters} where {@code placement} says,
   * with the client authenticated by {@code authentication}. HTTP Basic form-encodes id and secret
   * (RFC 6749 §2.3.1) unless {@code formEncodeBasic} is false, when it carries {@code
   * base64(id:secret)} of the raw values.
   *
   * @throws ClientConfigurationException if the authentication method needs a secret and there is
   *     none
   */
  public static HTTPRequest build(
      URI endpoint,
      Map<String, List<String>> parameters,
      ParameterPlacement placement,
      ClientAuthentication authentication,
      String clientId,
      @Nullable String clientSecret,
      boolean formEncodeBasic) {
    return build(
        endpoint,
        parameters,
        placement,
        authentication,
        clientId,
        clientSecret,
        formEncodeBasic,
        null);
  }

  /**
   * As {@link #build(URI, Map, ParameterPlacement, ClientAuthentication, String, String, boolean)},
   * with the signed {@code client_assertion} parameters that {@code private_key_jwt} and {@code
   * client_secret_jwt} send (see {@link ClientAssertions}).
   *
   * @throws ClientConfigurationException if the method needs a secret or an assertion and there is
   *     none
   */
  public static HTTPRequest build(
      URI endpoint,
      Map<String, List<String>> parameters,
      ParameterPlacement placement,
      ClientAuthentication authentication,
      String clientId,
      @Nullable String clientSecret,
      boolean formEncodeBasic,
      @Nullable Map<String, List<String>> clientAssertion) {
    Map<String, List<String>> params = new LinkedHashMap<>(parameters);
    String authorization = null;
    switch (authentication) {
      case CLIENT_SECRET_BASIC -> {
        String secret = requireSecret(clientSecret, authentication);
        if (formEncodeBasic) {
          // Nimbus form-encodes id and secret before Base64, as RFC 6749 §2.3.1 requires.
          authorization =
              new ClientSecretBasic(new ClientID(clientId), new Secret(secret))
                  .toHTTPAuthorizationHeader();
        } else {
          authorization =
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        }
      }
      case CLIENT_SECRET_POST -> {
        params.put("client_id", List.of(clientId));
        params.put("client_secret", List.of(requireSecret(clientSecret, authentication)));
      }
      case CLIENT_ID_ONLY -> params.put("client_id", List.of(clientId));
      case NONE -> {}
      case PRIVATE_KEY_JWT, CLIENT_SECRET_JWT -> {
        if (clientAssertion == null) {
          throw new ClientConfigurationException(
              "client authentication " + authentication + " needs a signed client assertion");
        }
        params.putAll(clientAssertion);
      }
    }
    URI target = endpoint;
    String body = null;
    String contentType = null;
    switch (placement) {
      case FORM_BODY -> {
        body = URLUtils.serializeParameters(params);
        contentType = "application/x-www-form-urlencoded; charset=UTF-8";
      }
      case QUERY_STRING -> target = appendQuery(endpoint, URLUtils.serializeParameters(params));
      case JSON_BODY -> {
        body = toJson(params);
        contentType = "application/json; charset=UTF-8";
      }
    }
    HTTPRequest request = new HTTPRequest(HTTPRequest.Method.POST, target);
    request.setHeader("Accept", "application/json");
    if (contentType != null) {
      request.setHeader("Content-Type", contentType);
      request.setBody(body);
    }
    if (authorization != null) {
      request.setAuthorization(authorization);
    }
    return request;
  }

  /** Appends an already encoded query to {@code uri}, keeping any query it has. */
  public static URI appendQuery(URI uri, String encodedQuery) {
    if (encodedQuery.isEmpty()) {
      return uri;
    }
    String base = uri.toString();
    int fragment = base.indexOf('#');
    if (fragment >= 0) {
      base = base.substring(0, fragment);
    }
    return URI.create(base + (uri.getRawQuery() == null ? "?" : "&") + encodedQuery);
  }

  private static String requireSecret(
      @Nullable String secret, ClientAuthentication authentication) {
    if (secret == null) {
      throw new ClientConfigurationException(
          "client authentication "
              + authentication
              + " needs a client secret, and the registration has none");
    }
    return secret;
  }

  private static String toJson(Map<String, List<String>> params) {
    Map<String, Object> object = new LinkedHashMap<>();
    params.forEach((name, values) -> object.put(name, values.size() == 1 ? values.get(0) : values));
    try {
      return JSON.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise token request parameters", e);
    }
  }
}
