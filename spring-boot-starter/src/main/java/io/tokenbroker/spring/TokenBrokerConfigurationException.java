package io.tokenbroker.spring;

import static java.util.Objects.requireNonNull;

/**
 * A {@code tokenbroker.*} property is missing or wrong. Thrown while the application starts; the
 * starter's failure analyzer reports it as one line, {@code <property>: <problem>}. Messages never
 * contain a secret: a client secret or keyset is never quoted.
 */
public final class TokenBrokerConfigurationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String property;

  /**
   * @param property the full property name, e.g. {@code tokenbroker.grants.reporting.token-uri}
   * @param problem what is wrong, in one line, without any secret value
   */
  public TokenBrokerConfigurationException(String property, String problem) {
    super(
        requireNonNull(property, "property == null")
            + ": "
            + requireNonNull(problem, "problem == null"));
    this.property = property;
  }

  /** The full name of the property at fault. */
  public String property() {
    return property;
  }
}
