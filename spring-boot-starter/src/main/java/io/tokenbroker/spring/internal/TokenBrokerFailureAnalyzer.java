package io.tokenbroker.spring.internal;

import io.tokenbroker.spring.TokenBrokerConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Reports a wrong {@code tokenbroker.*} property as one line naming it: a {@link
 * TokenBrokerConfigurationException}, or a {@code tokenbroker.*} value Spring could not bind (an
 * unknown property, a duration or URI that does not parse). Values are never quoted, so a secret
 * cannot leak into the report. Runs before Boot's own analyzers.
 */
public final class TokenBrokerFailureAnalyzer implements FailureAnalyzer, Ordered {
  private static final String ACTION =
      "Fix the tokenbroker property named above (see the tokenbroker-spring-boot-starter README).";

  @Override
  public @Nullable FailureAnalysis analyze(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TokenBrokerConfigurationException e) {
        return new FailureAnalysis(oneLine(e.getMessage()), ACTION, e);
      }
      if (t instanceof BindException e && e.getName().toString().startsWith("tokenbroker")) {
        return new FailureAnalysis(oneLine(describe(e)), ACTION, e);
      }
    }
    return null;
  }

  private static String describe(BindException e) {
    Throwable cause = e.getCause();
    if (cause instanceof UnboundConfigurationPropertiesException unbound
        && !unbound.getUnboundProperties().isEmpty()) {
      ConfigurationProperty first = unbound.getUnboundProperties().iterator().next();
      Object value = first.getValue();
      if (value == null || value.toString().isBlank()) {
        return first.getName() + ": is empty";
      }
      return first.getName() + ": unknown property (check its spelling; see the starter README)";
    }
    ConfigurationProperty property = e.getProperty();
    String name = property != null ? property.getName().toString() : e.getName().toString();
    return name + ": cannot be read as " + expected(e.getTarget().getType().resolve());
  }

  private static String expected(@Nullable Class<?> type) {
    if (type == null) {
      return "the expected type";
    }
    if (Duration.class.equals(type)) {
      return "a duration (e.g. 5m, 30s or PT5M)";
    }
    if (URI.class.equals(type)) {
      return "a URI";
    }
    if (Long.class.equals(type) || Integer.class.equals(type)) {
      return "a whole number";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "a map";
    }
    return "a " + type.getSimpleName();
  }

  private static String oneLine(@Nullable String text) {
    return text == null
        ? "invalid tokenbroker configuration"
        : text.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
