package io.tokenbroker.oauth.internal;

import static java.util.Objects.requireNonNull;

import com.nimbusds.oauth2.sdk.http.HTTPRequestSender;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPRequest;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends Nimbus protocol messages over {@link HttpClient}: per-request timeout, {@code https}
 * enforced except on loopback hosts, and a cap on the response body size.
 */
public final class JdkHttpSender implements HTTPRequestSender {
  /** Headers {@link HttpClient} sets itself and refuses from callers. */
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade");

  private final HttpClient client;
  private final Duration requestTimeout;
  private final int maxBodyBytes;

  public JdkHttpSender(HttpClient client, Duration requestTimeout, int maxBodyBytes) {
    this.client = requireNonNull(client, "client == null");
    this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout == null");
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes < 1: " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Thrown when a response body exceeds the cap; the rest of the body is not read. */
  public static final class ResponseTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    ResponseTooLargeException(int limit) {
      super("response body exceeds the limit of " + limit + " bytes");
    }
  }

  @Override
  public ReadOnlyHTTPResponse send(ReadOnlyHTTPRequest request) throws IOException {
    URI uri = Urls.requireSecure(request.getURI(), "request URL");
    String body = request.getBody();
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .timeout(requestTimeout)
            .method(request.getMethod().name(), publisher);
    for (Map.Entry<String, List<String>> header : request.getHeaderMap().entrySet()) {
      if (RESTRICTED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String value : header.getValue()) {
        builder.header(header.getKey(), value);
      }
    }
    // HttpRequest.timeout stops counting once the headers arrive (JDK-8208693): bound the whole
    // exchange, body included, and cancel it when the time is up.
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(builder.build(), info -> new CappedBody(maxBodyBytes));
    HttpResponse<byte[]> response;
    try {
      response = exchange.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted");
      interrupted.initCause(e);
      throw interrupted;
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new HttpTimeoutException(
          "no complete response within " + requestTimeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(
          cause == null ? "request failed" : cause.getClass().getSimpleName(), cause);
    }
    HTTPResponse result = new HTTPResponse(response.statusCode());
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!name.startsWith(":")) {
                result.setHeader(name, values.toArray(String[]::new));
              }
            });
    result.setBody(new String(response.body(), StandardCharsets.UTF_8));
    return result;
  }

  /** Collects the body, failing as soon as it grows past the cap. */
  private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();

    @SuppressWarnings("NullAway.Init") // the Flow contract calls onSubscribe before anything else
    private Flow.Subscription subscription;

    CappedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer item : items) {
        if (buffer.size() + item.remaining() > limit) {
          result.completeExceptionally(new ResponseTooLargeException(limit));
          subscription.cancel();
          return;
        }
        byte[] bytes = new byte[item.remaining()];
        item.get(bytes);
        buffer.write(bytes, 0, bytes.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(buffer.toByteArray());
    }
  }
}
