package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What to create or update a webhook hook with ({@code hook} of {@code POST} and {@code PATCH
 * /rest/v1.0/webhooks/hooks}): {@code api_version}, {@code namespace}, {@code destination_url} and
 * {@code destination_headers}.
 *
 * <pre>{@code
 * WebhookHookSpec spec = WebhookHookSpec.of("acme-invoice-sync", URI.create("https://hooks.acme.example/procore"))
 *     .withAuthorization("Bearer " + sharedSecret);   // checked by WebhookVerifier on arrival
 * }</pre>
 *
 * <ul>
 *   <li>{@code namespace}: lowercase {@code a-z}, digits and dashes, one per integration (Procore
 *       calls it required);
 *   <li>{@code destination_url}: HTTPS (plain HTTP only to a loopback host, for a sandbox);
 *   <li>{@code api_version}: the payload format of the events; default {@value
 *       #DEFAULT_API_VERSION}, as in every example Procore gives ({@code v3.0} and {@code v4.0}
 *       formats are documented as well).
 * </ul>
 *
 * <p>Immutable and thread-safe; the header values are secrets and {@link #toString()} shows only
 * their names.
 *
 * @param apiVersion {@code api_version}
 * @param namespace {@code namespace}
 * @param destinationUrl {@code destination_url}
 * @param destinationHeaders {@code destination_headers}
 */
public record WebhookHookSpec(
    String apiVersion,
    String namespace,
    URI destinationUrl,
    Map<String, String> destinationHeaders) {
  /** The {@code api_version} of every example in Procore's documentation: {@value}. */
  public static final String DEFAULT_API_VERSION = "v2";

  public WebhookHookSpec {
    requireNonNull(apiVersion, "apiVersion == null");
    requireNonNull(namespace, "namespace == null");
    requireNonNull(destinationUrl, "destinationUrl == null");
    requireNonNull(destinationHeaders, "destinationHeaders == null");
    if (!apiVersion.matches("v\\d{1,2}(\\.\\d{1,2})?")) {
      throw new IllegalArgumentException("apiVersion must look like v2 or v4.0: " + apiVersion);
    }
    if (!namespace.matches("[a-z0-9-]{1,100}")) {
      throw new IllegalArgumentException(
          "namespace must be lowercase a-z, digits and dashes: " + namespace);
    }
    String scheme =
        destinationUrl.getScheme() == null
            ? ""
            : destinationUrl.getScheme().toLowerCase(Locale.ROOT);
    String host = destinationUrl.getHost() == null ? "" : destinationUrl.getHost();
    boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    if (!(scheme.equals("https") || (scheme.equals("http") && loopback)) || host.isEmpty()) {
      throw new IllegalArgumentException(
          "destinationUrl must be https (http only on loopback): " + destinationUrl);
    }
    destinationHeaders =
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(destinationHeaders));
  }

  /**
   * A hook for {@code namespace} at {@code destinationUrl}, {@value #DEFAULT_API_VERSION}, no
   * headers.
   */
  public static WebhookHookSpec of(String namespace, URI destinationUrl) {
    return new WebhookHookSpec(DEFAULT_API_VERSION, namespace, destinationUrl, Map.of());
  }

  /** This spec with {@code api_version} {@code apiVersion}. */
  public WebhookHookSpec withApiVersion(String apiVersion) {
    return new WebhookHookSpec(apiVersion, namespace, destinationUrl, destinationHeaders);
  }

  /** This spec with header {@code name: value} sent on every delivery. */
  public WebhookHookSpec withHeader(String name, String value) {
    requireNonNull(name, "name == null");
    requireNonNull(value, "value == null");
    if (!name.matches("[A-Za-z0-9-]{1,100}")) {
      throw new IllegalArgumentException("not a header name: " + name);
    }
    Map<String, String> copy = new LinkedHashMap<>(destinationHeaders);
    copy.put(name, value);
    return new WebhookHookSpec(apiVersion, namespace, destinationUrl, copy);
  }

  /**
   * This spec with {@code Authorization: value} on every delivery, e.g. {@code "Bearer " + secret}:
   * the shared secret by which your endpoint knows a delivery comes from Procore ({@link
   * WebhookVerifier}).
   */
  public WebhookHookSpec withAuthorization(String value) {
    return withHeader("Authorization", value);
  }

  /** The JSON of the {@code hook} object. */
  Map<String, Object> toJson() {
    Map<String, Object> hook = new LinkedHashMap<>();
    hook.put("api_version", apiVersion);
    hook.put("namespace", namespace);
    hook.put("destination_url", destinationUrl.toString());
    hook.put("destination_headers", destinationHeaders);
    return hook;
  }

  @Override
  public String toString() {
    return "WebhookHookSpec["
        + apiVersion
        + ", "
        + namespace
        + ", "
        + destinationUrl
        + ", headers="
        + destinationHeaders.keySet()
        + "]";
  }
}
