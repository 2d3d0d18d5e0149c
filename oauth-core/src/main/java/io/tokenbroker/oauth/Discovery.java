package io.tokenbroker.oauth;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import io.tokenbroker.oauth.internal.ServerMetadata;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Fetches and caches one issuer's metadata for a {@link Provider}: the RFC 8414 §3.1 location
 * first, then OpenID Connect's; the first that answers 200 is used, a 404 moves on, anything else
 * is a failure (transient failures are retried by the {@link TokenEndpoint}). One fetch at a time;
 * a success is kept for the provider's lifetime, a failure is not, so the next caller tries again.
 * Thread-safe.
 */
final class Discovery {
  private final URI issuer;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile @Nullable ServerMetadata metadata;

  Discovery(URI issuer) {
    this.issuer = issuer;
  }

  /**
   * The metadata, fetched through {@code via} if not cached.
   *
   * @throws TransientTokenException if the server could not be reached or answered 5xx or garbage
   *     (after retries)
   * @throws ClientConfigurationException if neither location has metadata, or its {@code issuer} is
   *     another
   */
  ServerMetadata metadata(Supplier<TokenEndpoint> via) {
    ServerMetadata known = metadata;
    if (known != null) {
      return known;
    }
    lock.lock();
    try {
      known = metadata;
      if (known == null) {
        known = fetch(via.get());
        metadata = known;
      }
      return known;
    } finally {
      lock.unlock();
    }
  }

  private ServerMetadata fetch(TokenEndpoint endpoint) {
    for (URI location :
        List.of(ServerMetadata.oauthLocation(issuer), ServerMetadata.openIdLocation(issuer))) {
      Optional<ServerMetadata> found =
          endpoint.exchange(
              "metadata request to " + location,
              () -> {
                HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, location);
                request.setHeader("Accept", "application/json");
                return request;
              },
              List.of(),
              null,
              null,
              response -> {
                if (response.getStatusCode() == 404) {
                  return Optional.empty();
                }
                if (response.getStatusCode() != 200) {
                  return null;
                }
                try {
                  return Optional.of(ServerMetadata.parse(response.getBody(), issuer));
                } catch (ServerMetadata.IssuerMismatchException e) {
                  throw new ClientConfigurationException(e.getMessage());
                }
              });
      if (found.isPresent()) {
        return found.get();
      }
    }
    throw new ClientConfigurationException(
        "no authorization server metadata for issuer "
            + issuer
            + " (neither "
            + ServerMetadata.oauthLocation(issuer)
            + " nor "
            + ServerMetadata.openIdLocation(issuer)
            + " exists); check the issuer, or give the endpoints explicitly");
  }
}
