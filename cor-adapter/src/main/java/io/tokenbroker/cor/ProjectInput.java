package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Set;

/**
 * The body of {@code POST /projects} ({@code ProjectInput}: {@code name} and {@code client_id}
 * required) and {@code PUT /projects/{id}} ({@code ProjectPutUpdateBody}: "include only the fields
 * you want to change"), with COR's field names. The typed setters cover the common fields; {@link
 * Builder#with} takes the others COR documents ({@code currency_id}, {@code evaluation_date},
 * {@code deliverables}, {@code ratecard_id}, …).
 *
 * <pre>{@code
 * Project p = cor.createProject(ProjectInput.builder().name("Website Redesign").clientId(25855)
 *     .start(LocalDate.of(2026, 5, 1)).incomeType(IncomeType.FEE).build());
 * cor.updateProject(p.id(), ProjectInput.builder().brief("Phase 2").build());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ProjectInput extends CorInput {
  private static final Set<String> TYPED =
      Set.of(
          "name",
          "client_id",
          "template_id",
          "brief",
          "start",
          "end",
          "pm_id",
          "brand_id",
          "product_id",
          "estimated_time",
          "billable",
          "status",
          "income_type",
          "archived",
          "fee_id",
          "contract_id",
          "labels");

  private ProjectInput(Builder b) {
    super(b.fields.snapshot());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link ProjectInput}. Not thread-safe. */
  public static final class Builder {
    private final Fields fields = new Fields(TYPED);

    private Builder() {}

    /** {@code name} (required to create). */
    public Builder name(String name) {
      requireNonNull(name, "name == null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name is blank");
      }
      fields.put("name", name);
      return this;
    }

    /** {@code client_id} (required to create). */
    public Builder clientId(long clientId) {
      fields.put("client_id", clientId);
      return this;
    }

    /** {@code template_id}. */
    public Builder templateId(long templateId) {
      fields.put("template_id", templateId);
      return this;
    }

    /** {@code brief}. */
    public Builder brief(String brief) {
      fields.put("brief", brief);
      return this;
    }

    /** {@code start} (YYYY-MM-DD). */
    public Builder start(LocalDate start) {
      fields.put("start", requireNonNull(start, "start == null").toString());
      return this;
    }

    /** {@code end} (YYYY-MM-DD). */
    public Builder end(LocalDate end) {
      fields.put("end", requireNonNull(end, "end == null").toString());
      return this;
    }

    /** {@code pm_id}: the project manager's user id. */
    public Builder pmId(long userId) {
      fields.put("pm_id", userId);
      return this;
    }

    /** {@code brand_id}. */
    public Builder brandId(long brandId) {
      fields.put("brand_id", brandId);
      return this;
    }

    /** {@code product_id}. */
    public Builder productId(long productId) {
      fields.put("product_id", productId);
      return this;
    }

    /** {@code estimated_time}, in hours. */
    public Builder estimatedTime(BigDecimal hours) {
      fields.put("estimated_time", requireNonNull(hours, "hours == null"));
      return this;
    }

    /** {@code billable}. */
    public Builder billable(boolean billable) {
      fields.put("billable", billable);
      return this;
    }

    /**
     * {@code status} (COR's schema lists {@code active}, {@code finished}, {@code suspended}).
     *
     * @throws IllegalArgumentException for {@link ProjectStatus#UNKNOWN}
     */
    public Builder status(ProjectStatus status) {
      if (requireNonNull(status, "status == null") == ProjectStatus.UNKNOWN) {
        throw new IllegalArgumentException("cannot send UNKNOWN status");
      }
      fields.put("status", status.wireValue());
      return this;
    }

    /**
     * {@code income_type}.
     *
     * @throws IllegalArgumentException for {@link IncomeType#UNKNOWN}
     */
    public Builder incomeType(IncomeType incomeType) {
      if (requireNonNull(incomeType, "incomeType == null") == IncomeType.UNKNOWN) {
        throw new IllegalArgumentException("cannot send UNKNOWN income type");
      }
      fields.put("income_type", incomeType.wireValue());
      return this;
    }

    /** {@code archived}. */
    public Builder archived(boolean archived) {
      fields.put("archived", archived);
      return this;
    }

    /** {@code fee_id}. */
    public Builder feeId(long feeId) {
      fields.put("fee_id", feeId);
      return this;
    }

    /** {@code contract_id}. */
    public Builder contractId(long contractId) {
      fields.put("contract_id", contractId);
      return this;
    }

    /** {@code labels}: label ids (COR takes at most 50; an empty call clears them). */
    public Builder labels(long... labelIds) {
      requireNonNull(labelIds, "labelIds == null");
      if (labelIds.length > 50) {
        throw new IllegalArgumentException("COR takes at most 50 labels: " + labelIds.length);
      }
      fields.put("labels", java.util.Arrays.stream(labelIds).boxed().toList());
      return this;
    }

    /**
     * Another field of COR's input schema (a string, number, boolean or a collection of those),
     * e.g. {@code with("currency_id", 1)}.
     *
     * @throws IllegalArgumentException for a field with a typed setter, or another value type
     */
    public Builder with(String name, Object value) {
      fields.with(name, value);
      return this;
    }

    public ProjectInput build() {
      return new ProjectInput(this);
    }
  }
}
