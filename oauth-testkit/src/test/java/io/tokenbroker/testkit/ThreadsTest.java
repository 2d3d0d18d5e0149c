package io.tokenbroker.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadsTest {
  private final CountDownLatch release = new CountDownLatch(1);

  /** Parks the calling thread until the test releases it: the frame the tests look for. */
  private void parkHere() {
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Thread start(Runnable body) {
    Thread thread = new Thread(body, "parker");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static AssertionError failure(Thread thread, String method, Duration timeout) {
    return assertThrows(
        AssertionError.class,
        () -> Threads.awaitParkedIn(thread, ThreadsTest.class.getName(), method, timeout));
  }

  @Test
  void returnsOnceTheThreadIsParkedInTheMethod() throws InterruptedException {
    Thread parker = start(this::parkHere);
    try {
      Threads.awaitParkedIn(
          parker, ThreadsTest.class.getName(), "parkHere", Duration.ofSeconds(30));
      assertTrue(Threads.isParkedIn(parker, ThreadsTest.class.getName(), "parkHere"));
    } finally {
      release.countDown();
      parker.join();
    }
  }

  @Test
  void aThreadThatEndsWithoutParkingThereFails() throws InterruptedException {
    Thread quick = start(() -> {});
    quick.join();
    AssertionError failure = failure(quick, "parkHere", Duration.ofSeconds(30));
    assertTrue(failure.getMessage().contains("terminated before"), failure.getMessage());
  }

  @Test
  void aThreadParkedElsewhereTimesOutNamingTheMethod() throws InterruptedException {
    Thread parker = start(this::parkHere);
    try {
      AssertionError failure = failure(parker, "elsewhere", Duration.ofMillis(200));
      assertTrue(
          failure.getMessage().contains("timed out")
              && failure.getMessage().contains(ThreadsTest.class.getName() + ".elsewhere()"),
          failure.getMessage());
    } finally {
      release.countDown();
      parker.join();
    }
  }
}
