package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Procore REST API version, the {@code vX.Y} in {@code /rest/vX.Y/...}. Procore versions each
 * resource on its own, so the version is chosen per call.
 *
 * @param major the API major version (1)
 * @param minor the resource version (0, 1, ...)
 */
public record ApiVersion(int major, int minor) {
  /** {@code v1.0}, the version most resources document. */
  public static final ApiVersion V1_0 = new ApiVersion(1, 0);

  /** {@code v1.1}, e.g. the project list of Procore's quick start. */
  public static final ApiVersion V1_1 = new ApiVersion(1, 1);

  /**
   * {@code v2.0}: Procore's REST v2, whose paths are scoped to {@code /companies/{id}[/projects/
   * {id}]}, whose answers wrap their payload in {@code {"data": …}} and whose IDs are strings.
   */
  public static final ApiVersion V2_0 = new ApiVersion(2, 0);

  private static final Pattern TEXT = Pattern.compile("v?(\\d{1,4})\\.(\\d{1,4})");

  public ApiVersion {
    if (major < 0 || minor < 0) {
      throw new IllegalArgumentException(
          "version numbers must not be negative: " + major + "." + minor);
    }
  }

  /**
   * Parses {@code "v1.1"} or {@code "1.1"}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static ApiVersion of(String text) {
    requireNonNull(text, "text == null");
    Matcher m = TEXT.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not an API version like v1.0: " + text);
    }
    return new ApiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /**
   * Whether answers of this version wrap their payload in a top-level {@code "data"} key: REST
   * v2.x, as Procore documents for every successful v2 JSON answer.
   */
  public boolean isEnveloped() {
    return major >= 2;
  }

  /** The path segment, e.g. {@code v1.0}. */
  @Override
  public String toString() {
    return "v" + major + "." + minor;
  }
}
