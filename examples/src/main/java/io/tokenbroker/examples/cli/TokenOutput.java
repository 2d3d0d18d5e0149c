package io.tokenbroker.examples.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Locale;
import java.util.TreeSet;

/**
 * How {@code token} prints an access token: alone ({@code plain}), as JSON ({@code json}) or as
 * kubectl's {@code ExecCredential} ({@code exec-credential}). Written with Jackson's streaming
 * generator, so the fast path loads no data binding.
 */
enum TokenOutput {
  /** The token alone and a newline. */
  PLAIN("plain"),
  /** {@code {"access_token", "token_type", "expires_at" (ISO-8601 UTC), "scopes"}}. */
  JSON("json"),
  /**
   * kubectl's client-go credential plugin output: {@code client.authentication.k8s.io/v1} {@code
   * ExecCredential} with {@code status.token} and {@code status.expirationTimestamp} (RFC 3339,
   * whole seconds, rounded down so it never claims more than the token has).
   */
  EXEC_CREDENTIAL("exec-credential");

  static final String EXEC_CREDENTIAL_API_VERSION = "client.authentication.k8s.io/v1";
  private static final JsonFactory JSON_FACTORY = new JsonFactory();

  final String label;

  TokenOutput(String label) {
    this.label = label;
  }

  /**
   * The format for {@code --format} (and {@code --json}).
   *
   * @throws CliException ({@link ExitCodes#USAGE}) for an unknown or contradictory choice
   */
  static TokenOutput choose(String format, boolean json) {
    TokenOutput chosen = null;
    for (TokenOutput f : values()) {
      if (f.label.equals(format.toLowerCase(Locale.ROOT))) {
        chosen = f;
      }
    }
    if (chosen == null) {
      throw CliException.usage(
          "--format '" + format + "' is not one of plain, json, exec-credential", null);
    }
    if (json && chosen != PLAIN && chosen != JSON) {
      throw CliException.usage(
          "--json and --format " + chosen.label + " contradict each other", null);
    }
    return json ? JSON : chosen;
  }

  /** Writes the token in this format to {@code out} and flushes it. */
  void print(
      PrintStream out,
      String accessToken,
      String tokenType,
      Instant expiresAt,
      Collection<String> scopes) {
    out.print(render(accessToken, tokenType, expiresAt, scopes));
    out.flush();
  }

  String render(
      String accessToken, String tokenType, Instant expiresAt, Collection<String> scopes) {
    if (this == PLAIN) {
      return accessToken + System.lineSeparator();
    }
    StringWriter text = new StringWriter();
    try (JsonGenerator g = JSON_FACTORY.createGenerator(text)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      if (this == JSON) {
        g.writeStringField("access_token", accessToken);
        g.writeStringField("token_type", tokenType);
        g.writeStringField("expires_at", expiresAt.toString());
        g.writeArrayFieldStart("scopes");
        for (String scope : new TreeSet<>(scopes)) {
          g.writeString(scope);
        }
        g.writeEndArray();
      } else {
        g.writeStringField("apiVersion", EXEC_CREDENTIAL_API_VERSION);
        g.writeStringField("kind", "ExecCredential");
        g.writeObjectFieldStart("spec");
        g.writeBooleanField("interactive", false);
        g.writeEndObject();
        g.writeObjectFieldStart("status");
        g.writeStringField(
            "expirationTimestamp", expiresAt.truncatedTo(ChronoUnit.SECONDS).toString());
        g.writeStringField("token", accessToken);
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text + System.lineSeparator();
  }
}
