package io.tokenbroker.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * A port of 127.0.0.1 that refuses every connection for as long as this object is open, for tests
 * of an unreachable server or database: a socket is bound to it (port 0, read back) but never
 * listens, and, without address reuse, nothing else can bind it meanwhile. This replaces the
 * open-then-close trick ({@code new ServerSocket(0)} closed before use), whose port another test
 * may take before the connection is tried.
 *
 * <pre>{@code
 * try (RefusingPort closed = RefusingPort.open()) {
 *   client.get(closed.uri("/token"));  // ConnectException: Connection refused
 * }
 * }</pre>
 */
public final class RefusingPort implements AutoCloseable {
  private final Socket socket;

  private RefusingPort(Socket socket) {
    this.socket = socket;
  }

  /**
   * Binds a free port of 127.0.0.1 without listening on it.
   *
   * @throws UncheckedIOException if no port can be bound
   */
  public static RefusingPort open() {
    Socket socket = new Socket();
    try {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
      return new RefusingPort(socket);
    } catch (IOException e) {
      try {
        socket.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("cannot bind a port of 127.0.0.1", e);
    }
  }

  /** The port. */
  public int port() {
    return socket.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  /** Releases the port. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "RefusingPort[" + port() + "]";
  }
}
