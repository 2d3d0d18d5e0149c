package io.tokenbroker.oauth;

/** Where a token request's parameters travel. The standard is {@link #FORM_BODY}. */
public enum ParameterPlacement {
  /** {@code application/x-www-form-urlencoded} body (RFC 6749). */
  FORM_BODY,
  /** The query string of the POST, with an empty body (COR does this). */
  QUERY_STRING,
  /** A JSON object body whose members are the parameters. */
  JSON_BODY
}
