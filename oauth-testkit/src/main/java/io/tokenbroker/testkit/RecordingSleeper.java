package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.Sleeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Sleeper} that never waits: it records each wait and, when given a {@link FakeClock},
 * moves the clock by it, so that paced retries run at once and a test asserts the exact waits.
 *
 * <pre>{@code
 * RecordingSleeper sleeper = RecordingSleeper.advancing(clock);
 * CorClient client = CorClient.builder(broker, key).clock(clock).sleeper(sleeper).build();
 * ...
 * assertEquals(List.of(Duration.ofSeconds(7)), sleeper.waits());
 * }</pre>
 *
 * Thread-safe.
 */
public final class RecordingSleeper implements Sleeper {
  private final @Nullable FakeClock clock;
  private final List<Duration> waits = new ArrayList<>();

  private RecordingSleeper(@Nullable FakeClock clock) {
    this.clock = clock;
  }

  /** Records the waits and leaves time alone. */
  public static RecordingSleeper create() {
    return new RecordingSleeper(null);
  }

  /** Records the waits and advances {@code clock} by each. */
  public static RecordingSleeper advancing(FakeClock clock) {
    return new RecordingSleeper(requireNonNull(clock, "clock == null"));
  }

  @Override
  public void sleep(Duration duration) {
    requireNonNull(duration, "duration == null");
    synchronized (waits) {
      waits.add(duration);
    }
    if (clock != null) {
      clock.advance(duration);
    }
  }

  /** The waits so far, in order. */
  public List<Duration> waits() {
    synchronized (waits) {
      return List.copyOf(waits);
    }
  }

  /** Forgets the waits so far. */
  public void clear() {
    synchronized (waits) {
      waits.clear();
    }
  }

  @Override
  public String toString() {
    return "RecordingSleeper" + waits();
  }
}
