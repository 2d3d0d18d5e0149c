package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A timestamp as COR sends it. COR mixes formats: projects and hours use {@code "2025-01-15
 * 00:00:00"} (no zone), task deadlines use ISO {@code "2024-01-15T18:00:00Z"}, and some fields are
 * plain dates. This keeps the local date-time and, when the text had one, its offset; nothing is
 * guessed. Use {@link #toInstant(ZoneId)} with the zone you know the account uses (a user's {@code
 * gmt}, say) for zone-less values.
 *
 * <p>Accepted: {@code yyyy-MM-dd HH:mm[:ss[.fraction]]}, the same with {@code T}, either with an
 * offset or {@code Z}, and {@code yyyy-MM-dd} (midnight). Immutable and thread-safe.
 *
 * @param dateTime the date and time as written
 * @param offset the offset the text carried, or {@code null} for a zone-less value
 */
public record CorDateTime(LocalDateTime dateTime, @Nullable ZoneOffset offset) {
  private static final DateTimeFormatter COR_FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  public CorDateTime {
    requireNonNull(dateTime, "dateTime == null");
  }

  /**
   * Parses any of COR's formats.
   *
   * @throws IllegalArgumentException if {@code text} is in none of them
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static CorDateTime parse(String text) {
    requireNonNull(text, "text == null");
    String t = text.trim();
    String iso =
        t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
    try {
      OffsetDateTime odt = OffsetDateTime.parse(iso);
      return new CorDateTime(odt.toLocalDateTime(), odt.getOffset());
    } catch (DateTimeParseException e) {
      // try the zone-less forms
    }
    try {
      return new CorDateTime(LocalDateTime.parse(iso), null);
    } catch (DateTimeParseException e) {
      // try a plain date
    }
    try {
      return new CorDateTime(LocalDate.parse(iso).atStartOfDay(), null);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a COR date or date-time: \"" + abbreviate(t) + "\"");
    }
  }

  /** A zoned value, as COR's POST /hours example sends ({@code 2024-01-18T09:00:00Z}). */
  public static CorDateTime of(Instant instant) {
    requireNonNull(instant, "instant == null");
    return new CorDateTime(LocalDateTime.ofInstant(instant, ZoneOffset.UTC), ZoneOffset.UTC);
  }

  /** The offset the text carried, if any. */
  public Optional<ZoneOffset> knownOffset() {
    return Optional.ofNullable(offset);
  }

  /**
   * The instant: with the text's own offset if it had one, otherwise in {@code zoneForLocalTimes}.
   */
  public Instant toInstant(ZoneId zoneForLocalTimes) {
    requireNonNull(zoneForLocalTimes, "zoneForLocalTimes == null");
    return offset != null
        ? dateTime.toInstant(offset)
        : dateTime.atZone(zoneForLocalTimes).toInstant();
  }

  /** The date part. */
  public LocalDate date() {
    return dateTime.toLocalDate();
  }

  /**
   * COR's own form: {@code yyyy-MM-dd HH:mm:ss} for zone-less values, ISO-8601 with the offset
   * ({@code Z} for UTC) otherwise.
   */
  @JsonValue
  @Override
  public String toString() {
    if (offset == null) {
      return COR_FORMAT.format(dateTime);
    }
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(dateTime.atOffset(offset));
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
