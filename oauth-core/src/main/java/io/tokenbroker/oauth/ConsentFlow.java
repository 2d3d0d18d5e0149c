package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * The consent of a web application, without servlets: "connect customer X to template T" becomes
 * the URL to redirect the user's browser to, and the callback (on whichever instance of the
 * application receives it) becomes a stored grant.
 *
 * <pre>{@code
 * ConsentFlow procore = ConsentFlow.of(broker, "procore-app", URI.create("https://app.example/oauth/procore"));
 * // GET /connect?customer=42  ->  302 Location:
 * URI location = procore.start(GrantKey.of("procore/customer-42"));
 * // GET /oauth/procore?code=...&state=...  (any instance behind the load balancer)
 * GrantKey connected = procore.completeQuery(request.getQueryString());
 * }</pre>
 *
 * Built on {@link TokenBroker#authorizationRequest(GrantKey, String, URI)} and {@link
 * TokenBroker#completeAuthorization}: the started request is sealed into the broker's store, so the
 * store must keep pending consents and every instance must share the store, the keyset and the
 * template. Immutable and thread-safe.
 */
public final class ConsentFlow {
  private final TokenBroker broker;
  private final String template;
  private final URI redirectUri;

  private ConsentFlow(TokenBroker broker, String template, URI redirectUri) {
    this.broker = broker;
    this.template = template;
    this.redirectUri = redirectUri;
  }

  /**
   * A flow for grants of client template {@code template} (registered on {@code broker}) whose
   * callback is {@code redirectUri}, an address of the application registered with the provider.
   */
  public static ConsentFlow of(TokenBroker broker, String template, URI redirectUri) {
    requireNonNull(broker, "broker == null");
    requireNonNull(template, "template == null");
    requireNonNull(redirectUri, "redirectUri == null");
    if (!redirectUri.isAbsolute()) {
      throw new IllegalArgumentException("redirectUri is not absolute: " + redirectUri);
    }
    return new ConsentFlow(broker, template, redirectUri);
  }

  /**
   * Starts connecting grant {@code key}: the URL to send the user's browser to (an HTTP 302's
   * {@code Location}). The started request is kept, sealed, in the store until it is completed or
   * expires.
   *
   * @throws IllegalArgumentException if the template is not registered
   * @throws UnsupportedOperationException if the store cannot keep pending consents
   */
  public URI start(GrantKey key) {
    return broker.authorizationRequest(key, template, redirectUri).uri();
  }

  /**
   * Completes a consent with the full callback URI the browser requested.
   *
   * @return the key of the grant now stored
   * @throws ConsentException as {@link TokenBroker#completeAuthorization}
   */
  public GrantKey complete(URI callbackUri) {
    return broker.completeAuthorization(callbackUri);
  }

  /**
   * Completes a consent with the query string of the callback request (what a servlet's {@code
   * getQueryString()} returns, without the {@code ?}).
   *
   * @throws ConsentException {@link ConsentException.Kind#INVALID_CALLBACK} if {@code query} is
   *     empty or malformed; otherwise as {@link TokenBroker#completeAuthorization}
   */
  public GrantKey completeQuery(@Nullable String query) {
    if (query == null || query.isBlank()) {
      throw new ConsentException(
          "the consent callback has no query (no code, state or error)",
          ConsentException.Kind.INVALID_CALLBACK,
          null,
          null);
    }
    URI callback;
    try {
      callback =
          new URI(
              redirectUri.getScheme()
                  + "://"
                  + redirectUri.getRawAuthority()
                  + redirectUri.getRawPath()
                  + "?"
                  + query);
    } catch (URISyntaxException e) {
      throw new ConsentException(
          "the consent callback's query is malformed",
          ConsentException.Kind.INVALID_CALLBACK,
          null,
          null);
    }
    return complete(callback);
  }

  /** The callback address this flow's consents return to. */
  public URI redirectUri() {
    return redirectUri;
  }

  @Override
  public String toString() {
    return "ConsentFlow[template=" + template + ", redirect=" + redirectUri + "]";
  }
}
