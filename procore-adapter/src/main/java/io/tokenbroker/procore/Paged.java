package io.tokenbroker.procore;

import com.fasterxml.jackson.databind.JavaType;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * A Procore list, fetched lazily page by page as it is iterated. Nothing is requested until
 * iteration starts; each {@link #iterator()}, {@link #stream()} or {@link #pages()} walks the list
 * again from the first page.
 *
 * <p>A page is a bare JSON array, or for REST v2.x the array under {@code {"data": […]}}, as
 * Procore documents. The next page is the {@code Link} header's {@code next} URL (its path and
 * query are sent to the configured API host, so the token never goes to a host named in a
 * response). When a response has no {@code Link} header at all, the {@code Total} and {@code
 * Per-Page} headers decide; without those either, the list is one page. A {@code next} link already
 * visited ends the walk.
 *
 * <p>Each page request carries the same {@code Procore-Company-Id} as the first and is paced like
 * any other request. Failures surface from {@code next()} as {@link ProcoreApiException} (or the
 * broker's exceptions). Instances are immutable and may be shared; iterators are not thread-safe.
 */
public final class Paged<T> implements Iterable<T> {
  private final Transport transport;
  private final URI first;
  private final @Nullable Long companyId;
  private final JavaType listType;
  private final boolean envelope;

  Paged(
      Transport transport,
      URI first,
      @Nullable Long companyId,
      JavaType listType,
      boolean envelope) {
    this.transport = transport;
    this.first = first;
    this.companyId = companyId;
    this.listType = listType;
    this.envelope = envelope;
  }

  /** The items of every page, fetching pages as needed. */
  @Override
  public Iterator<T> iterator() {
    Iterator<Page<T>> pages = pages();
    return new Iterator<>() {
      private Iterator<T> current = List.<T>of().iterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && pages.hasNext()) {
          current = pages.next().items().iterator();
        }
        return current.hasNext();
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

  /** The items as a sequential, lazy stream. */
  public Stream<T> stream() {
    return StreamSupport.stream(spliterator(), false);
  }

  /** Every item of every page, fetched now. */
  public List<T> toList() {
    List<T> out = new ArrayList<>();
    forEach(out::add);
    return out;
  }

  /** The first page only, fetched now. */
  public Page<T> firstPage() {
    return fetch(first);
  }

  /** The pages themselves, fetched as the iterator advances. */
  public Iterator<Page<T>> pages() {
    return new Iterator<>() {
      private @Nullable URI nextUri = first;
      private final Set<URI> visited = new HashSet<>();

      @Override
      public boolean hasNext() {
        return nextUri != null;
      }

      @Override
      public Page<T> next() {
        URI uri = nextUri;
        if (uri == null) {
          throw new NoSuchElementException();
        }
        visited.add(uri);
        nextUri = null; // a failure below ends the walk
        Page<T> page = fetch(uri);
        URI following = following(uri, page);
        nextUri = following == null || visited.contains(following) ? null : following;
        return page;
      }
    };
  }

  private Page<T> fetch(URI uri) {
    Transport.Response response = transport.get(uri, companyId);
    List<T> raw = transport.read("GET", response, listType, envelope);
    List<T> items = new ArrayList<>(raw.size());
    for (T item : raw) {
      if (item != null) {
        items.add(item);
      }
    }
    String linkHeader =
        response.headers().allValues("Link").isEmpty()
            ? null
            : String.join(", ", response.headers().allValues("Link"));
    return new Page<>(
        items,
        pageNumber(uri),
        number(response.headers().firstValue("Total").orElse(null)),
        intNumber(response.headers().firstValue("Per-Page").orElse(null)),
        PageLinks.parse(linkHeader),
        response.rateLimit());
  }

  private @Nullable URI following(URI uri, Page<T> page) {
    if (page.links().next() != null) {
      return transport.fromLink(page.links().next());
    }
    if (page.links().last() != null
        || page.links().first() != null
        || page.links().prev() != null) {
      return null; // a Link header without next: this was the last page
    }
    Long total = page.total();
    Integer perPage = page.perPage();
    if (total != null
        && perPage != null
        && perPage > 0
        && (long) page.number() * perPage < total
        && !page.items().isEmpty()) {
      return withPage(uri, page.number() + 1);
    }
    return null;
  }

  static int pageNumber(URI uri) {
    String query = uri.getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        if (pair.startsWith("page=")) {
          Integer n = intNumber(pair.substring(5));
          if (n != null && n > 0) {
            return n;
          }
        }
      }
    }
    return 1;
  }

  static URI withPage(URI uri, int page) {
    String query = uri.getRawQuery();
    StringBuilder q = new StringBuilder();
    if (query != null) {
      for (String pair : query.split("&")) {
        if (!pair.isEmpty() && !pair.startsWith("page=")) {
          q.append(q.length() == 0 ? "" : "&").append(pair);
        }
      }
    }
    q.append(q.length() == 0 ? "" : "&").append("page=").append(page);
    String s = uri.toString();
    int mark = s.indexOf('?');
    return URI.create((mark < 0 ? s : s.substring(0, mark)) + "?" + q);
  }

  private static @Nullable Long number(@Nullable String value) {
    if (value == null || !value.trim().matches("\\d{1,18}")) {
      return null;
    }
    return Long.parseLong(value.trim());
  }

  private static @Nullable Integer intNumber(@Nullable String value) {
    Long n = number(value);
    return n == null || n > Integer.MAX_VALUE ? null : n.intValue();
  }

  @Override
  public String toString() {
    return "Paged[" + first.getRawPath() + "]";
  }
}
