package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * One page of a COR list: the envelope {@code {"total": "14", "perPage": 20, "page": 1, "lastPage":
 * 1, "data": […]}}. {@code total} arrives as a string and {@code /hours} sends {@code page} as a
 * string too; both are numbers here. Members beyond the documented five ({@code meta_data} of
 * {@code /projects}, {@code total_hours} and {@code total_cost} of {@code /hours}) are in {@link
 * #extra()} as plain JSON values (maps, lists, strings, numbers, booleans).
 *
 * @param total {@code total}
 * @param perPage {@code perPage}
 * @param page {@code page}
 * @param lastPage {@code lastPage}
 * @param data {@code data}
 * @param extra other members of the envelope, by name
 * @param <T> the model
 */
public record CorPage<T>(
    long total, int perPage, int page, int lastPage, List<T> data, Map<String, Object> extra) {

  public CorPage {
    requireNonNull(data, "data == null");
    requireNonNull(extra, "extra == null");
    data = List.copyOf(data);
    extra = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extra));
  }

  /** Whether COR says there is a page after this one. */
  public boolean hasNextPage() {
    return page < lastPage;
  }
}
