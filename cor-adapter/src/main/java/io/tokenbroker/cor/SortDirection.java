package io.tokenbroker.cor;

/**
 * The direction of a sort in {@link TaskOrder} and {@link HourOrder}: {@code ASC} or {@code DESC}.
 */
public enum SortDirection {
  /** Ascending. */
  ASC,
  /** Descending. */
  DESC
}
