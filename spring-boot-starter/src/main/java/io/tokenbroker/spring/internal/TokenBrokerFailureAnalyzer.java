package io.tokenbroker.spring.internal;

import io.tokenbroker.spring.TokenBrokerConfigurationException;
import java.beans.PropertyDescriptor;
import java.lang.reflect.Method;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.core.io.Resource;

/**
 * Reports a wrong {@code tokenbroker.*} property as one line naming it: a {@link
 * TokenBrokerConfigurationException}, or a {@code tokenbroker.*} value Spring could not bind (an
 * unknown property, a duration or URI that does not parse, an empty value such as a {@code
 * ${VARIABLE:}} placeholder whose variable is unset). Values are never quoted, so a secret cannot
 * leak into the report; only the variable names of placeholders are. Runs before Boot's own
 * analyzers.
 */
public final class TokenBrokerFailureAnalyzer implements FailureAnalyzer, Ordered {
  /** The variable name of a {@code ${NAME}} or {@code ${NAME:default}} placeholder. */
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^:${}]+)[:}]");

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
    ResolvableType root = e.getTarget().getType();
    if (cause instanceof UnboundConfigurationPropertiesException unbound
        && !unbound.getUnboundProperties().isEmpty()) {
      ConfigurationProperty first = unbound.getUnboundProperties().iterator().next();
      Object value = first.getValue();
      // A property the binder knows stays unbound when its value converted to nothing: the value
      // is empty, e.g. a ${VARIABLE:} placeholder whose variable is unset. The raw value (not
      // quoted) is the placeholder, not what it resolved to.
      ResolvableType type = typeOf(root, e.getName(), first.getName());
      Set<String> variables = variables(value);
      if (value == null || value.toString().isBlank() || (type != null && !variables.isEmpty())) {
        return empty(first.getName().toString(), type, variables);
      }
      if (type != null) {
        return first.getName() + ": cannot be read as " + expected(type.resolve());
      }
      return first.getName() + ": unknown property (check its spelling; see the starter README)";
    }
    ConfigurationProperty property = e.getProperty();
    String name = property != null ? property.getName().toString() : e.getName().toString();
    if (convertsEmptyValue(cause)) {
      return empty(name, root, variables(property != null ? property.getValue() : null));
    }
    return name + ": cannot be read as " + expected(root.resolve());
  }

  /** {@code name} is empty: says what it must be and which placeholder {@code variables} to set. */
  private static String empty(String name, @Nullable ResolvableType type, Set<String> variables) {
    StringBuilder text = new StringBuilder(name).append(": is empty");
    if (type != null) {
      text.append(", but must be ").append(expected(type.resolve()));
    }
    if (!variables.isEmpty()) {
      text.append(" (it is read from ")
          .append(String.join(", ", variables))
          .append(variables.size() == 1 ? "; set that variable)" : "; set them)");
    }
    return text.toString();
  }

  /** The variable names of the placeholders in {@code raw}; names only, never a default value. */
  private static Set<String> variables(@Nullable Object raw) {
    Set<String> variables = new LinkedHashSet<>();
    if (raw instanceof CharSequence chars) {
      Matcher m = PLACEHOLDER.matcher(chars);
      while (m.find()) {
        variables.add(m.group(1).strip());
      }
    }
    return variables;
  }

  /** Whether the binder failed converting an empty or blank text. The text is never quoted. */
  private static boolean convertsEmptyValue(@Nullable Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConversionFailedException failed) {
        // An empty text converts to null first, which then fails to become a primitive.
        Object value = failed.getValue();
        return value == null || (value instanceof CharSequence text && text.toString().isBlank());
      }
    }
    return false;
  }

  /**
   * The declared type of property {@code name} below {@code root} (the type bound to {@code
   * prefix}), or null if no such property exists.
   */
  static @Nullable ResolvableType typeOf(
      ResolvableType root, ConfigurationPropertyName prefix, ConfigurationPropertyName name) {
    if (!prefix.isAncestorOf(name)) {
      return null;
    }
    ResolvableType type = root;
    for (int i = prefix.getNumberOfElements(); i < name.getNumberOfElements(); i++) {
      Class<?> raw = type.resolve();
      if (raw == null) {
        return null;
      }
      if (Map.class.isAssignableFrom(raw)) {
        type = type.asMap().getGeneric(1);
      } else if (Collection.class.isAssignableFrom(raw)) {
        type = type.asCollection().getGeneric(0);
      } else if (raw.isArray()) {
        type = type.getComponentType();
      } else {
        type = property(type, raw, name.getElement(i, Form.UNIFORM));
        if (type == null) {
          return null;
        }
      }
    }
    return type;
  }

  private static @Nullable ResolvableType property(ResolvableType owner, Class<?> raw, String key) {
    if (raw.isPrimitive() || raw.getName().startsWith("java.")) {
      return null;
    }
    for (PropertyDescriptor d : BeanUtils.getPropertyDescriptors(raw)) {
      Method getter = d.getReadMethod();
      if (getter != null
          && d.getWriteMethod() != null
          && d.getName().toLowerCase(Locale.ROOT).equals(key)) {
        return ResolvableType.forMethodReturnType(getter, owner.toClass());
      }
    }
    return null;
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
    if (Long.class.equals(type)
        || Integer.class.equals(type)
        || long.class.equals(type)
        || int.class.equals(type)) {
      return "a whole number";
    }
    if (Boolean.class.equals(type) || boolean.class.equals(type)) {
      return "true or false";
    }
    if (Resource.class.isAssignableFrom(type)) {
      return "a resource location (e.g. file:/etc/app/client-key.pem)";
    }
    if (type.isEnum()) {
      return "one of "
          + Arrays.stream(type.getEnumConstants())
              .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-'))
              .collect(Collectors.joining(", "));
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
