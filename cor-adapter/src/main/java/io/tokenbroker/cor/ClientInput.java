package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * The body of {@code POST /clients} and {@code PUT /clients/{id}}, with the field names of COR's
 * {@code ClientInput}: {@code name} (required), {@code business_name}, {@code name_contact}, {@code
 * last_name_contact}, {@code email_contact}, {@code website}, {@code description}, {@code
 * condition}, {@code phone}. COR's OpenAPI has these two operations take a form ({@code
 * application/x-www-form-urlencoded}), not JSON, and the client sends them so.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientInput extends CorInput {
  private static final Set<String> TYPED =
      Set.of(
          "name",
          "business_name",
          "name_contact",
          "last_name_contact",
          "email_contact",
          "website",
          "description",
          "condition",
          "phone");

  private ClientInput(Builder b) {
    super(b.fields.snapshot());
  }

  /** A builder with {@code name}, which COR requires on both create and update. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Builds a {@link ClientInput}. Not thread-safe. */
  public static final class Builder {
    private final Fields fields = new Fields(TYPED);

    private Builder(String name) {
      requireNonNull(name, "name == null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name is blank");
      }
      fields.put("name", name);
    }

    /** {@code business_name}. */
    public Builder businessName(String value) {
      fields.put("business_name", value);
      return this;
    }

    /** {@code name_contact}: the contact's first name. */
    public Builder contactFirstName(String value) {
      fields.put("name_contact", value);
      return this;
    }

    /** {@code last_name_contact}. */
    public Builder contactLastName(String value) {
      fields.put("last_name_contact", value);
      return this;
    }

    /** {@code email_contact}. */
    public Builder contactEmail(String value) {
      fields.put("email_contact", value);
      return this;
    }

    /** {@code website}. */
    public Builder website(String value) {
      fields.put("website", value);
      return this;
    }

    /** {@code description}. */
    public Builder description(String value) {
      fields.put("description", value);
      return this;
    }

    /** {@code condition}, e.g. {@code "active"}. */
    public Builder condition(String value) {
      fields.put("condition", value);
      return this;
    }

    /** {@code phone}. */
    public Builder phone(String value) {
      fields.put("phone", value);
      return this;
    }

    /**
     * Another field COR takes (a string, number or boolean; a form carries no collections).
     *
     * @throws IllegalArgumentException for a field with a typed setter, or another value type
     */
    public Builder with(String name, Object value) {
      if (value instanceof java.util.Collection<?>) {
        throw new IllegalArgumentException("'" + name + "': a form field takes a single value");
      }
      fields.with(name, value);
      return this;
    }

    public ClientInput build() {
      return new ClientInput(this);
    }
  }
}
