package io.tokenbroker.procore;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import io.tokenbroker.testkit.procore.ProcoreSeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;

/**
 * A consented user grant on a fresh sandbox with roomy rate limits for each test, and what the
 * client tests share. Messages of exceptions caught through {@link #fails} are checked for secrets
 * when the test ends.
 */
abstract class ProcoreClientTestBase {
  static final long C1 = ProcoreSeed.COMPANY_ID;

  final SandboxFixture f =
      new SandboxFixture(
          b -> b.rateLimits(3600, Duration.ofHours(1), 10_000, Duration.ofSeconds(10)));
  final List<String> messages = new ArrayList<>();
  ProcoreClient client;

  @BeforeEach
  void consent() throws Exception {
    f.consent();
    client = f.userClient();
  }

  @AfterEach
  void close() {
    f.close();
    f.assertNoSecretsIn(String.join("\n", messages));
  }

  ProcoreApiException fails(Executable call) {
    ProcoreApiException e = assertThrows(ProcoreApiException.class, call);
    messages.add(e.getMessage());
    messages.add(e.toString());
    return e;
  }

  /** The requests the sandbox's API host received, in order. */
  List<RecordedRequest> apiRequests() {
    return f.sandbox.requests(ProcoreSandbox.Host.API);
  }

  /** The API requests with {@code method} on exactly {@code path}. */
  List<RecordedRequest> apiRequests(String method, String path) {
    return apiRequests().stream()
        .filter(r -> r.method().equals(method) && r.path().equals(path))
        .toList();
  }
}
