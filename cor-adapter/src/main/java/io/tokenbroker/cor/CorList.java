package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A COR list endpoint with its query ({@code filters}, {@code order}), read page by page. Nothing
 * is fetched until you ask:
 *
 * <pre>{@code
 * client.tasks(TaskFilter.builder().projects(5001).build())
 *     .stream()                       // lazily fetches page 1, 2, … as the stream is consumed
 *     .filter(t -> t.status() == TaskStatus.EN_PROCESO)
 *     .forEach(...);
 * CorPage<Task> second = client.tasks().perPage(20).page(2);   // one request
 * CorPage<Task> all = client.tasks().unpaginated();            // page=false: every row at once
 * }</pre>
 *
 * <p>Iteration asks for {@link #perPage()} rows at a time (COR's cap of 50 by default) and stops
 * after the page COR reports as {@code lastPage}, or at the first empty page. Each page is a
 * separate request through the broker, so a token that expires mid-iteration is renewed (a 401 is
 * retried once after a refresh). Rows added or removed on the server while iterating can shift
 * pages, as with any offset pagination.
 *
 * <p>Immutable and thread-safe; each {@link #iterator()} is independent and not thread-safe.
 * Failures surface as {@link CorApiException} (or the broker's exceptions) from the call that
 * fetches, e.g. {@code hasNext()}.
 *
 * @param <T> the model
 */
public final class CorList<T> implements Iterable<T> {
  private final CorClient client;
  private final String path;
  private final Map<String, String> query;
  private final Class<T> type;
  private final int perPage;

  CorList(CorClient client, String path, Map<String, String> query, Class<T> type, int perPage) {
    this.client = client;
    this.path = path;
    this.query = Map.copyOf(query);
    this.type = type;
    this.perPage = perPage;
  }

  /** The page size asked for. */
  public int perPage() {
    return perPage;
  }

  /**
   * This list with another page size; values above the client's cap ({@link
   * CorClient.Builder#maxPerPage}, 50 by default) are lowered to it.
   *
   * @throws IllegalArgumentException if {@code perPage < 1}
   */
  public CorList<T> perPage(int perPage) {
    if (perPage < 1) {
      throw new IllegalArgumentException("perPage < 1: " + perPage);
    }
    return new CorList<>(client, path, query, type, Math.min(perPage, client.maxPerPage()));
  }

  /**
   * Fetches page {@code number} (1-based). A page past the last one has no data.
   *
   * @throws IllegalArgumentException if {@code number < 1}
   */
  public CorPage<T> page(int number) {
    if (number < 1) {
      throw new IllegalArgumentException("page < 1: " + number);
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("page", Integer.toString(number));
    params.put("perPage", Integer.toString(perPage));
    params.putAll(query);
    return client.fetchPage(path, params, type);
  }

  /**
   * Fetches every row in one request ({@code page=false}). COR does not document the answer's
   * shape; both an envelope and a bare array are read.
   */
  public CorPage<T> unpaginated() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("page", "false");
    params.putAll(query);
    return client.fetchPage(path, params, type);
  }

  /** Iterates over every row, fetching pages as needed. */
  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private Iterator<T> current = List.<T>of().iterator();
      private int fetched; // the last page number fetched
      private int lastPage = Integer.MAX_VALUE;

      @Override
      public boolean hasNext() {
        while (!current.hasNext()) {
          if (fetched >= lastPage) {
            return false;
          }
          CorPage<T> next = page(fetched + 1);
          fetched++;
          lastPage = next.lastPage();
          if (next.data().isEmpty()) {
            lastPage = fetched;
            return false;
          }
          current = next.data().iterator();
        }
        return true;
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  /** A sequential stream over every row, fetching pages as it is consumed. */
  public Stream<T> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  /** Every row, by iterating over all pages. */
  public List<T> toList() {
    List<T> all = new ArrayList<>();
    iterator().forEachRemaining(all::add);
    return all;
  }

  @Override
  public String toString() {
    return "CorList[" + requireNonNull(path) + ", perPage=" + perPage + "]";
  }
}
