package io.tokenbroker.testkit;

/**
 * How {@link FakeAuthorizationServer} treats a refresh token once it has been used.
 *
 * <p>Applies to refresh tokens from any grant; the mode in force when a refresh request arrives
 * decides. A refresh token that was already rotated away stays unusable when the mode changes.
 */
public enum RefreshRotation {
  /**
   * No rotation: a refresh answers with a new access token and no {@code refresh_token}; the same
   * refresh token stays valid.
   */
  OFF,
  /**
   * Each refresh answers with a new refresh token and invalidates the one presented; presenting the
   * old one again gets {@code invalid_grant}, but the grant stays alive.
   */
  ROTATE,
  /**
   * Like {@link #ROTATE}, but presenting an already-used refresh token is treated as theft (RFC
   * 9700 §4.14.2): the whole grant is revoked, every access and refresh token of it stops working,
   * and every later use gets {@code invalid_grant}.
   */
  STRICT
}
