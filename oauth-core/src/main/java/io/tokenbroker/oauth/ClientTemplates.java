package io.tokenbroker.oauth;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * A broker's client templates: clients registered once under a name, grants created against them.
 */
final class ClientTemplates {

  /** A client registered once under a name; grants are created against it. */
  record Template(
      String name, ClientRegistration registration, GrantType type, TokenClient client) {}

  private final ConcurrentMap<String, Template> templates = new ConcurrentHashMap<>();

  /** Registers {@code template}, replacing an earlier one of its name. */
  void register(Template template) {
    templates.put(template.name(), template);
  }

  /** The template named {@code name}, or null. */
  @Nullable Template get(String name) {
    return templates.get(name);
  }

  /**
   * The template named {@code name}.
   *
   * @throws IllegalArgumentException if none is registered
   */
  Template require(String name) {
    Template t = templates.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no template '" + name + "' is registered");
    }
    return t;
  }

  boolean contains(String name) {
    return templates.containsKey(name);
  }

  int size() {
    return templates.size();
  }
}
