package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A real HTTP/1.1 server on 127.0.0.1 for tests, in the spirit of OkHttp's {@code MockWebServer}: a
 * {@link Dispatcher} answers every request, every request is recorded ({@link #takeRequest()},
 * {@link #requests()}), and {@link Fault}s can be scripted in front of the dispatcher. {@link
 * FakeAuthorizationServer}, {@code CorSandbox} and {@code ProcoreSandbox} are dispatchers on it;
 * write your own for any other HTTP peer.
 *
 * <pre>{@code
 * try (LoopbackServer server =
 *     LoopbackServer.builder()
 *         .dispatcher(request -> Reply.json(200, "{\"ok\":true}"))
 *         .start()) {
 *   server.enqueue(Fault.status(503));                  // the first request fails
 *   URI uri = server.baseUri().resolve("/anything");
 *   // ... call uri twice ...
 *   assertEquals("/anything", server.takeRequest().path());
 * }
 * }</pre>
 *
 * <p><b>Hosts.</b> A server listens on one or more ports of 127.0.0.1, each a named host (a vendor
 * may serve logins and its API on different hosts); each binds port 0 unless a port is given, and
 * the port the system chose is read back. All hosts share one dispatcher, one request sequence and
 * one fault queue; {@link RecordedRequest#host()} says which host a request reached.
 *
 * <p><b>Faults.</b> For each request the server takes the oldest {@link #enqueue enqueued} fault
 * that {@linkplain Fault#on matches} it (an unscoped fault matches what the builder's {@link
 * Builder#defaultFaultScope} accepts: every request, unless the dispatcher's owner says otherwise),
 * else asks the {@link FaultDispatcher} if one is set. A canned fault is answered without calling
 * the dispatcher; the others wrap the dispatcher's answer.
 *
 * <p><b>Thread-safety.</b> All methods may be called from any thread while requests are served;
 * requests are served concurrently (a thread per request, a large accept backlog), so a dispatcher
 * must be thread-safe. Every answer carries {@code Connection: close}: the JDK server closes
 * surplus idle connections, which races with clients reusing them under bursts of concurrent
 * requests. {@link #close()} stops the server and abandons requests in flight.
 *
 * <p>Secrets: the server never logs request contents; {@link #toString()} shows only the name and
 * base URIs.
 */
public final class LoopbackServer implements AutoCloseable {
  /** The name of the host of a server built without {@link Builder#host}. */
  public static final String DEFAULT_HOST = "default";

  private static final System.Logger LOG = System.getLogger(LoopbackServer.class.getName());
  private static final int BACKLOG = 4096;
  private static final Duration DEFAULT_TAKE_TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicInteger SERVER_IDS = new AtomicInteger();

  /**
   * Answers the requests of a {@link LoopbackServer}, as MockWebServer's {@code Dispatcher}. Called
   * on a server thread for every request no canned {@link Fault} answered; must be thread-safe. An
   * exception becomes the answer of {@link #failed}.
   */
  @FunctionalInterface
  public interface Dispatcher {
    /** The answer to {@code request}. */
    Reply dispatch(RecordedRequest request);

    /**
     * Adjusts the canned answer of a {@link Fault} to {@code request} before it is sent, e.g. to
     * add headers every answer of this server carries. By default the answer is sent as it is.
     */
    default Reply faulted(RecordedRequest request, Reply canned) {
      return canned;
    }

    /** The answer when {@link #dispatch} (or a fault dispatcher) threw {@code failure}. */
    default Reply failed(RecordedRequest request, RuntimeException failure) {
      return Reply.text(500, "the loopback server failed: " + failure.getClass().getName());
    }
  }

  /**
   * Chooses a {@link Fault} for a request no enqueued fault took: null lets the {@link Dispatcher}
   * answer normally. Called on a server thread; must be thread-safe.
   */
  @FunctionalInterface
  public interface FaultDispatcher {
    /** The fault for {@code request}, or null for none. */
    @Nullable Fault dispatch(RecordedRequest request);
  }

  private final String name;
  private final Dispatcher dispatcher;
  private final Predicate<RecordedRequest> defaultFaultScope;
  private final ExecutorService executor;
  private final Map<String, HttpServer> servers = new LinkedHashMap<>();
  private final Map<String, URI> baseUris = new LinkedHashMap<>();
  private final List<Fault> faults = new ArrayList<>();
  private volatile @Nullable FaultDispatcher faultDispatcher;
  private final AtomicInteger sequence = new AtomicInteger();
  private final BlockingQueue<RecordedRequest> unconsumed = new LinkedBlockingQueue<>();
  private final List<RecordedRequest> recorded = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private LoopbackServer(Builder b) {
    this.name = b.name;
    this.dispatcher = requireNonNull(b.dispatcher, "no dispatcher was set");
    this.defaultFaultScope = b.defaultFaultScope;
    int id = SERVER_IDS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, name + "-" + id + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Map<String, Integer> hosts = b.hosts.isEmpty() ? Map.of(DEFAULT_HOST, b.port) : b.hosts;
    try {
      InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
      for (Map.Entry<String, Integer> host : hosts.entrySet()) {
        String hostName = host.getKey();
        HttpServer server =
            HttpServer.create(new InetSocketAddress(loopback, host.getValue()), BACKLOG);
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(hostName, exchange));
        servers.put(hostName, server);
      }
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot bind 127.0.0.1 for " + name + " " + hosts, e);
    }
    servers.forEach(
        (hostName, server) -> {
          server.start();
          baseUris.put(
              hostName, URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
        });
  }

  /** A builder; a {@link Builder#dispatcher dispatcher} is required. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- addresses

  /** {@code http://127.0.0.1:<port>/} of the first host. */
  public URI baseUri() {
    return baseUris.values().iterator().next();
  }

  /**
   * {@code http://127.0.0.1:<port>/} of host {@code host}.
   *
   * @throws IllegalArgumentException if there is no such host
   */
  public URI baseUri(String host) {
    URI uri = baseUris.get(requireNonNull(host, "host == null"));
    if (uri == null) {
      throw new IllegalArgumentException("no host " + host + "; hosts: " + baseUris.keySet());
    }
    return uri;
  }

  /** The port of the first host. */
  public int port() {
    return baseUri().getPort();
  }

  /** The port of host {@code host}. */
  public int port(String host) {
    return baseUri(host).getPort();
  }

  // ---------------------------------------------------------------- faults

  /** Queues {@code fault} for the next request it matches (first in, first out). */
  public void enqueue(Fault fault) {
    requireNonNull(fault, "fault == null");
    synchronized (faults) {
      faults.add(fault);
    }
  }

  /** Installs (or, with null, removes) a fault dispatcher consulted for every request. */
  public void setFaultDispatcher(@Nullable FaultDispatcher faultDispatcher) {
    this.faultDispatcher = faultDispatcher;
  }

  // ---------------------------------------------------------------- recorded requests

  /**
   * The oldest request not yet taken, waiting up to 10 seconds for one.
   *
   * @throws IllegalStateException if no request arrives in time
   */
  public RecordedRequest takeRequest() throws InterruptedException {
    RecordedRequest request = takeRequest(DEFAULT_TAKE_TIMEOUT);
    if (request == null) {
      throw new IllegalStateException("no request within " + DEFAULT_TAKE_TIMEOUT);
    }
    return request;
  }

  /** The oldest request not yet taken, waiting up to {@code timeout}; null if none arrived. */
  public @Nullable RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    requireNonNull(timeout, "timeout == null");
    return unconsumed.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Every request received so far (on any host), in arrival order, whether taken or not. */
  public List<RecordedRequest> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  /** How many requests (to any host and path) the server has received. */
  public int requestCount() {
    return sequence.get();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Stops listening, closes open connections and abandons requests in flight. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      servers.values().forEach(server -> server.stop(0));
      executor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "LoopbackServer[" + name + " " + baseUris + "]";
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private void handle(String host, HttpExchange exchange) {
    RecordedRequest request = null;
    try {
      request =
          RecordedRequest.parse(
              sequence.incrementAndGet(),
              host,
              exchange.getRequestMethod(),
              exchange.getRequestURI(),
              exchange.getRequestHeaders(),
              exchange.getRequestBody().readAllBytes());
      synchronized (recorded) {
        recorded.add(request);
      }
      unconsumed.add(request);

      Fault fault = takeFault(request);
      if (fault == null) {
        FaultDispatcher d = faultDispatcher;
        fault = d == null ? null : d.dispatch(request);
      }
      if (fault != null && !fault.delay().isZero()) {
        Thread.sleep(fault.delay().toMillis());
      }
      if (fault != null && fault.kind() == Fault.Kind.RESPOND) {
        send(exchange, dispatcher.faulted(request, fault.reply()));
        return;
      }
      Reply reply = dispatcher.dispatch(request);
      if (fault == null) {
        send(exchange, reply);
        return;
      }
      switch (fault.kind()) {
        case DROP_AFTER_PROCESSING -> {
          // Closing an exchange before sending headers closes the connection: no byte is answered.
        }
        case PATCH_SUCCESS ->
            send(exchange, reply.patched(fault.patch()).withHeaders(fault.headers()));
        default -> send(exchange, reply.withHeaders(fault.headers()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "connection failed: " + e.getClass().getSimpleName());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, name + " failed on a request", e);
      if (request != null) {
        try {
          send(exchange, dispatcher.failed(request, e));
        } catch (IOException | RuntimeException ignored) {
          // Headers may already be out; the connection is closed below.
        }
      }
    } finally {
      exchange.close();
    }
  }

  private @Nullable Fault takeFault(RecordedRequest request) {
    synchronized (faults) {
      for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
        Fault fault = it.next();
        if (fault.matches(request, defaultFaultScope)) {
          it.remove();
          return fault;
        }
      }
    }
    return null;
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    if (reply.contentType() != null) {
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    }
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.getResponseHeaders().set("Connection", "close");
    byte[] body = reply.bodyBytes();
    exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  // ---------------------------------------------------------------- builder

  /**
   * Settings for a {@link LoopbackServer}. Defaults: one host on a port the system picks, every
   * request open to unscoped faults. Not thread-safe; {@link #start()} may be called more than once
   * to start independent servers.
   */
  public static final class Builder {
    private String name = "loopback-server";
    private @Nullable Dispatcher dispatcher;
    private int port;
    private final Map<String, Integer> hosts = new LinkedHashMap<>();
    private Predicate<RecordedRequest> defaultFaultScope = request -> true;

    private Builder() {}

    /** A name for thread names, log lines and {@code toString()}. */
    public Builder name(String name) {
      requireNonNull(name, "name == null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name is blank");
      }
      this.name = name;
      return this;
    }

    /** Answers every request. Required. */
    public Builder dispatcher(Dispatcher dispatcher) {
      this.dispatcher = requireNonNull(dispatcher, "dispatcher == null");
      return this;
    }

    /** The port of the single host; 0 (the default) lets the system pick a free one. */
    public Builder port(int port) {
      this.port = checkPort(port);
      return this;
    }

    /**
     * Adds a named host listening on its own port (0 picks a free one); the first host added is the
     * one {@link LoopbackServer#baseUri()} means. With hosts added, {@link #port} is ignored.
     */
    public Builder host(String name, int port) {
      requireNonNull(name, "name == null");
      if (hosts.containsKey(name)) {
        throw new IllegalArgumentException("host " + name + " was already added");
      }
      hosts.put(name, checkPort(port));
      return this;
    }

    /** Which requests a fault enqueued without {@link Fault#on} applies to; default all. */
    public Builder defaultFaultScope(Predicate<RecordedRequest> scope) {
      this.defaultFaultScope = requireNonNull(scope, "scope == null");
      return this;
    }

    /**
     * Binds 127.0.0.1 and starts serving.
     *
     * @throws UncheckedIOException if a port cannot be bound
     * @throws NullPointerException if no dispatcher was set
     */
    public LoopbackServer start() {
      return new LoopbackServer(this);
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      return port;
    }
  }
}
