package io.tokenbroker.spring.support;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A protected API on 127.0.0.1: answers 200 to a request whose bearer token the fake authorization
 * server says is an active access token, 401 ({@code WWW-Authenticate: Bearer
 * error="invalid_token"}) otherwise.
 */
public final class ProtectedResource implements AutoCloseable {
  private final FakeAuthorizationServer authorizationServer;
  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "protected-resource");
            t.setDaemon(true);
            return t;
          });
  private final List<String> bearers = new CopyOnWriteArrayList<>();
  private final AtomicInteger ok = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();

  private ProtectedResource(FakeAuthorizationServer authorizationServer) {
    this.authorizationServer = authorizationServer;
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a resource server trusting the tokens {@code authorizationServer} issued. */
  public static ProtectedResource start(FakeAuthorizationServer authorizationServer) {
    return new ProtectedResource(authorizationServer);
  }

  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The bearer tokens received, in order. */
  public List<String> bearers() {
    return List.copyOf(bearers);
  }

  public String lastBearer() {
    return bearers.get(bearers.size() - 1);
  }

  public int okCount() {
    return ok.get();
  }

  public int rejectedCount() {
    return rejected.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      String token =
          authorization != null && authorization.startsWith("Bearer ")
              ? authorization.substring("Bearer ".length())
              : null;
      if (token != null) {
        bearers.add(token);
      }
      boolean valid =
          token != null
              && authorizationServer.introspect(token).active()
              && authorizationServer.introspect(token).kind()
                  == FakeAuthorizationServer.TokenKind.ACCESS_TOKEN;
      byte[] body;
      if (valid) {
        ok.incrementAndGet();
        body =
            ("{\"path\":\"" + exchange.getRequestURI().getPath() + "\",\"ok\":true}")
                .getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
      } else {
        rejected.incrementAndGet();
        body = "{\"error\":\"invalid_token\"}".getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        exchange.sendResponseHeaders(401, body.length);
      }
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
