package io.tokenbroker.procore;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The {@code first}, {@code prev}, {@code next} and {@code last} links of a Procore {@code Link}
 * header (RFC 8288), each null when absent.
 *
 * <p>{@link #parse} is lenient and never throws: it accepts entries separated by {@code ","} with
 * or without a space, URLs containing commas or semicolons (they are delimited by {@code <...>}),
 * quoted or bare and upper- or lower-case {@code rel} values, several space-separated relations in
 * one {@code rel}, extra parameters, and several {@code Link} header lines joined together. Entries
 * it cannot read are skipped; an empty header (Procore sends one when everything fits on one page)
 * means no links. The first link of each relation wins.
 *
 * @param first the first page
 * @param prev the previous page
 * @param next the next page; null on the last page
 * @param last the last page
 */
public record PageLinks(
    @Nullable URI first, @Nullable URI prev, @Nullable URI next, @Nullable URI last) {
  /** No links at all. */
  public static final PageLinks NONE = new PageLinks(null, null, null, null);

  /** Whether there is a next page. */
  public boolean hasNext() {
    return next != null;
  }

  /** Parses one or more {@code Link} header values; null or blank gives {@link #NONE}. */
  public static PageLinks parse(@Nullable String header) {
    if (header == null || header.isBlank()) {
      return NONE;
    }
    URI first = null;
    URI prev = null;
    URI next = null;
    URI last = null;
    int i = 0;
    int n = header.length();
    while (i < n) {
      int open = header.indexOf('<', i);
      if (open < 0) {
        break;
      }
      int close = header.indexOf('>', open + 1);
      if (close < 0) {
        break;
      }
      String target = header.substring(open + 1, close).trim();
      // Parameters run until a comma outside quotes (or the end).
      int end = close + 1;
      boolean quoted = false;
      while (end < n) {
        char c = header.charAt(end);
        if (c == '\\' && quoted && end + 1 < n) {
          end += 2;
          continue;
        }
        if (c == '"') {
          quoted = !quoted;
        } else if (c == ',' && !quoted) {
          break;
        } else if (c == '<' && !quoted) {
          break; // a missing comma: the next entry starts here
        }
        end++;
      }
      List<String> rels = rels(header.substring(close + 1, end));
      URI uri = toUri(target);
      if (uri != null) {
        for (String rel : rels) {
          switch (rel) {
            case "first" -> first = first == null ? uri : first;
            case "prev", "previous" -> prev = prev == null ? uri : prev;
            case "next" -> next = next == null ? uri : next;
            case "last" -> last = last == null ? uri : last;
            default -> {}
          }
        }
      }
      i = end < n && header.charAt(end) == ',' ? end + 1 : end;
    }
    return new PageLinks(first, prev, next, last);
  }

  /** The relations named by the {@code rel} parameter(s) of one entry, lower case. */
  private static List<String> rels(String params) {
    List<String> out = new ArrayList<>();
    for (String param : splitParams(params)) {
      int eq = param.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String name = param.substring(0, eq).trim();
      if (!name.equalsIgnoreCase("rel")) {
        continue;
      }
      String value = param.substring(eq + 1).trim();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1).replace("\\\"", "\"");
      }
      for (String rel : value.trim().split("\\s+")) {
        if (!rel.isEmpty()) {
          out.add(rel.toLowerCase(Locale.ROOT));
        }
      }
    }
    return out;
  }

  private static List<String> splitParams(String params) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < params.length(); i++) {
      char c = params.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      }
      if (c == ';' && !quoted) {
        out.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    out.add(current.toString());
    return out;
  }

  private static @Nullable URI toUri(String target) {
    if (target.isEmpty()) {
      return null;
    }
    try {
      return URI.create(target);
    } catch (IllegalArgumentException e) {
      // Brackets and spaces are common in unencoded filter parameters; encode and retry.
      try {
        return URI.create(
            target.replace(" ", "%20").replace("[", "%5B").replace("]", "%5D").replace("|", "%7C"));
      } catch (IllegalArgumentException again) {
        return null;
      }
    }
  }
}
