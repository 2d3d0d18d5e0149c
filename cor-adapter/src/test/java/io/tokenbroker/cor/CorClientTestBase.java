package io.tokenbroker.cor;

import static io.tokenbroker.cor.CorFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenbroker.testkit.RecordedRequest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A client-credentials grant on a fresh sandbox for each test, and the lookups the client tests
 * share. Exceptions caught through {@link #failing} are checked for secrets when the fixture
 * closes.
 */
abstract class CorClientTestBase {
  CorFixture f;
  CorClient client;

  @BeforeEach
  void start() {
    f = new CorFixture().service();
    client = f.client(SERVICE);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  /** The requests the sandbox received on exactly {@code path}. */
  List<RecordedRequest> requests(String path) {
    return f.sandbox.requests().stream().filter(r -> r.path().equals(path)).toList();
  }

  /** The requests the sandbox received with {@code method} on exactly {@code path}. */
  List<RecordedRequest> requests(String method, String path) {
    return requests(path).stream().filter(r -> r.method().equals(method)).toList();
  }

  CorApiException failing(Runnable call) {
    return f.remember(assertThrows(CorApiException.class, call::run));
  }
}
