package io.tokenbroker.oauth.internal;

import java.time.Duration;

/** Waits between retries; replaced in tests so that no test sleeps. */
@FunctionalInterface
public interface Sleeper {
  Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
