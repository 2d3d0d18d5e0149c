package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a Procore list: its items and what the response headers said about the rest.
 *
 * @param items the items of this page (a bare JSON array in Procore's answer)
 * @param number the 1-based page number requested
 * @param total the {@code Total} header: items across all pages, if sent
 * @param perPage the {@code Per-Page} header, if sent
 * @param links the parsed {@code Link} header ({@link PageLinks#NONE} on a single page)
 * @param rateLimit the rate-limit headers of this response, if sent
 */
public record Page<T>(
    List<T> items,
    int number,
    @Nullable Long total,
    @Nullable Integer perPage,
    PageLinks links,
    @Nullable RateLimit rateLimit) {
  public Page {
    items = List.copyOf(requireNonNull(items, "items == null"));
    requireNonNull(links, "links == null");
  }
}
