package io.tokenbroker.benchmarks;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * The testkit's fake authorization server on 127.0.0.1 as a process, for {@code
 * cli-token-walltime.sh}: registers the client {@code bench-client} with the secret given as the
 * first argument (1-hour access tokens), prints its token endpoint on the first line of stdout, and
 * runs until stdin closes; then prints {@code tokenRequests=N} and exits.
 */
public final class LoopbackTokenServer {
  private LoopbackTokenServer() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: LoopbackTokenServer CLIENT_SECRET");
      System.exit(2);
    }
    try (FakeAuthorizationServer server =
        FakeAuthorizationServer.builder().accessTokenLifetime(Duration.ofHours(1)).start()) {
      server.registerClient("bench-client", args[0]);
      System.out.println(server.tokenEndpoint());
      System.out.flush();
      InputStream in = System.in;
      while (in.read() >= 0) {
        // wait for the script to close our stdin
      }
      System.out.println("tokenRequests=" + server.tokenRequestCount());
    }
  }
}
