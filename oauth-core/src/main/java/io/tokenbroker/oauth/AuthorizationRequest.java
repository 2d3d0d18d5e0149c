package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One authorization-code consent attempt: the URL to send the user to, and the means to finish with
 * the code. Carries a fresh random {@code state} and, where the provider supports it, a PKCE S256
 * verifier that never leaves this object except in the token request.
 *
 * <p>Finish in one of three ways: {@link #complete(URI)} with the callback URI (loopback receiver
 * or an app-hosted callback; {@code state} is checked), or {@link #exchange(String)} with a code
 * the user pasted (out-of-band, {@link TokenClient#OUT_OF_BAND}). Thread-safe; single use is not
 * enforced here because the server enforces it for codes.
 */
public final class AuthorizationRequest {
  private final URI uri;
  private final URI redirectUri;
  private final String state;
  private final boolean stateRequired;
  private final @Nullable String issuer;
  private final boolean issuerRequired;
  private final Function<String, TokenSet> exchange;
  private final @Nullable String codeVerifier;

  AuthorizationRequest(
      URI uri,
      URI redirectUri,
      String state,
      boolean stateRequired,
      Function<String, TokenSet> exchange) {
    this(uri, redirectUri, state, stateRequired, null, false, exchange);
  }

  AuthorizationRequest(
      URI uri,
      URI redirectUri,
      String state,
      boolean stateRequired,
      @Nullable String issuer,
      boolean issuerRequired,
      Function<String, TokenSet> exchange) {
    this(uri, redirectUri, state, stateRequired, issuer, issuerRequired, exchange, null);
  }

  AuthorizationRequest(
      URI uri,
      URI redirectUri,
      String state,
      boolean stateRequired,
      @Nullable String issuer,
      boolean issuerRequired,
      Function<String, TokenSet> exchange,
      @Nullable String codeVerifier) {
    this.uri = uri;
    this.redirectUri = redirectUri;
    this.state = state;
    this.stateRequired = stateRequired;
    this.issuer = issuer;
    this.issuerRequired = issuerRequired && issuer != null;
    this.exchange = exchange;
    this.codeVerifier = codeVerifier;
  }

  /** Returns a request that passes the tokens through {@code then} (the broker saves them). */
  AuthorizationRequest andThen(java.util.function.UnaryOperator<TokenSet> then) {
    return new AuthorizationRequest(
        uri,
        redirectUri,
        state,
        stateRequired,
        issuer,
        issuerRequired,
        exchange.andThen(then),
        codeVerifier);
  }

  /** The PKCE verifier, for sealing a pending consent into the store; null without PKCE. */
  @Nullable String codeVerifier() {
    return codeVerifier;
  }

  /**
   * The {@code state} a consent callback echoes, read as {@link #complete} reads it.
   *
   * @throws ConsentException {@link ConsentException.Kind#INVALID_CALLBACK} if the callback cannot
   *     be read, {@link ConsentException.Kind#STATE_MISMATCH} if it carries no state
   */
  static String stateOf(URI callbackUri) {
    AuthorizationResponse response = parse(callbackUri);
    String state = response.getState() == null ? null : response.getState().getValue();
    if (state == null || state.isEmpty()) {
      throw new ConsentException(
          "the consent callback did not echo the state parameter; it matches no started consent",
          ConsentException.Kind.STATE_MISMATCH,
          null,
          null);
    }
    return state;
  }

  private static AuthorizationResponse parse(URI callbackUri) {
    try {
      return AuthorizationResponse.parse(callbackUri);
    } catch (ParseException | IllegalArgumentException e) {
      // Nimbus throws IllegalArgumentException for some malformed values, e.g. an empty code.
      throw new ConsentException(
          "the consent callback could not be read: no code or error parameter",
          ConsentException.Kind.INVALID_CALLBACK,
          null,
          null);
    }
  }

  /**
   * The issuer a callback's {@code iss} must name (RFC 9207), if the provider's issuer is known.
   */
  public Optional<String> issuer() {
    return Optional.ofNullable(issuer);
  }

  /**
   * Whether a callback without {@code iss} is refused: the server announced that it sends it
   * ({@code authorization_response_iss_parameter_supported}), or the provider says so.
   */
  public boolean issuerRequired() {
    return issuerRequired;
  }

  /** Whether the provider requires the callback to echo {@link #state()}. */
  public boolean stateRequired() {
    return stateRequired;
  }

  /** The consent URL to open in the user's browser. */
  public URI uri() {
    return uri;
  }

  /** The redirect URI this request was made for. */
  public URI redirectUri() {
    return redirectUri;
  }

  /**
   * The {@code state} value the callback must echo. Not a credential, but do not log it needlessly.
   */
  public String state() {
    return state;
  }

  /** Whether this is an out-of-band request (the user copies the code by hand). */
  public boolean isOutOfBand() {
    return redirectUri.equals(TokenClient.OUT_OF_BAND);
  }

  /**
   * Finishes with the callback URI the browser was redirected to: checks {@code state}, turns an
   * error answer into a {@link ConsentException}, and exchanges the code for tokens.
   *
   * @throws ConsentException if the callback carries an error, a wrong or missing state, or no code
   */
  public TokenSet complete(URI callbackUri) {
    requireNonNull(callbackUri, "callbackUri == null");
    AuthorizationResponse response = parse(callbackUri);
    String echoed = response.getState() == null ? null : response.getState().getValue();
    checkState(echoed);
    checkIssuer(response.getIssuer() == null ? null : response.getIssuer().getValue());
    if (response instanceof AuthorizationErrorResponse error) {
      ErrorObject object = error.getErrorObject();
      String code = object.getCode();
      boolean denied = "access_denied".equals(code);
      throw new ConsentException(
          denied
              ? "the user or the server denied the authorization request"
              : "the authorization request failed",
          denied ? ConsentException.Kind.ACCESS_DENIED : ConsentException.Kind.ERROR_RESPONSE,
          code,
          object.getDescription());
    }
    AuthorizationSuccessResponse success = (AuthorizationSuccessResponse) response;
    if (success.getAuthorizationCode() == null) {
      throw new ConsentException(
          "the consent callback has no code", ConsentException.Kind.INVALID_CALLBACK, null, null);
    }
    return exchange.apply(success.getAuthorizationCode().getValue());
  }

  /**
   * Finishes with a code the user copied by hand (out-of-band). Surrounding white space is ignored.
   */
  public TokenSet exchange(String code) {
    requireNonNull(code, "code == null");
    String trimmed = code.strip();
    if (trimmed.isEmpty()) {
      throw new ConsentException(
          "the authorization code is empty", ConsentException.Kind.INVALID_CALLBACK, null, null);
    }
    return exchange.apply(trimmed);
  }

  private void checkState(@Nullable String echoed) {
    if (echoed == null) {
      if (stateRequired) {
        throw new ConsentException(
            "the consent callback did not echo the state parameter; refusing it (possible forgery)",
            ConsentException.Kind.STATE_MISMATCH,
            null,
            null);
      }
      return;
    }
    if (!MessageDigest.isEqual(
        echoed.getBytes(StandardCharsets.UTF_8), state.getBytes(StandardCharsets.UTF_8))) {
      throw new ConsentException(
          "the consent callback's state does not match this request (a forged or stale callback)",
          ConsentException.Kind.STATE_MISMATCH,
          null,
          null);
    }
  }

  /**
   * RFC 9207 §2.4: a present {@code iss} must equal the issuer (when known); a missing one is
   * refused when the server promised to send it.
   */
  private void checkIssuer(@Nullable String echoed) {
    ConsentException mismatch = issuerMismatch(echoed, issuer, issuerRequired);
    if (mismatch != null) {
      throw mismatch;
    }
  }

  /**
   * The RFC 9207 verdict on a callback's {@code iss}, or null if it passes. Shared with the
   * receiver.
   */
  static @Nullable ConsentException issuerMismatch(
      @Nullable String echoed, @Nullable String expected, boolean required) {
    if (echoed == null) {
      return required
          ? new ConsentException(
              "the consent callback carries no iss, although the authorization server sends it"
                  + " (RFC 9207); refusing it (possible mix-up attack)",
              ConsentException.Kind.ISSUER_MISMATCH,
              null,
              null)
          : null;
    }
    if (expected != null
        && !MessageDigest.isEqual(
            echoed.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
      return new ConsentException(
          "the consent callback's iss names another authorization server than "
              + expected
              + " (RFC 9207); refusing it (possible mix-up attack)",
          ConsentException.Kind.ISSUER_MISMATCH,
          null,
          null);
    }
    return null;
  }

  @Override
  public String toString() {
    return "AuthorizationRequest[redirect=" + redirectUri + "]";
  }
}
