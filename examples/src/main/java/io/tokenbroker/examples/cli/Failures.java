package io.tokenbroker.examples.cli;

import io.tokenbroker.cor.CorApiException;
import io.tokenbroker.oauth.ClientConfigurationException;
import io.tokenbroker.oauth.ConsentException;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.KeysetException;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TransientTokenException;
import io.tokenbroker.oauth.UnknownGrantException;
import io.tokenbroker.procore.ProcoreApiException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * Turns a failure into one line, a hint and an exit code. Messages of the library's exceptions
 * never contain secrets (their contract); other exceptions are shown by class and message only.
 */
final class Failures {
  private Failures() {}

  record Report(int exitCode, String message, @Nullable String hint) {}

  static Report classify(Throwable t) {
    if (t instanceof CliException e) {
      return new Report(e.exitCode(), oneLine(e.getMessage()), e.hint());
    }
    if (t instanceof InvalidGrantException e) {
      String name = e.grantKey().map(Object::toString).orElse("NAME");
      return new Report(
          ExitCodes.REAUTHORIZE,
          oneLine(e.getMessage()),
          "consent again with 'tokenbroker login " + name + "' (it reuses the saved settings)");
    }
    if (t instanceof TransientTokenException e) {
      return new Report(
          ExitCodes.TRANSIENT,
          oneLine(e.getMessage()),
          "the provider or the network failed (already retried); try again later");
    }
    if (t instanceof KeysetException e) {
      String hint =
          switch (e.kind()) {
            case UNAVAILABLE ->
                "the keyset file could not be read or written; check it and try again";
            case CANNOT_DECRYPT -> "check the master key the keyset was encrypted with";
            case MISCONFIGURED -> "check --keyset (or TOKENBROKER_KEYSET)";
          };
      return new Report(
          e.isTransient() ? ExitCodes.TRANSIENT : ExitCodes.FAILURE, oneLine(e.getMessage()), hint);
    }
    if (t instanceof TokenStoreException e) {
      String hint =
          switch (e.kind()) {
            case UNAVAILABLE, LEASE_LOST ->
                "the store could not be reached; check it and try again";
            case CANNOT_DECRYPT ->
                "use the keyset the grant was stored with (--keyset or TOKENBROKER_KEYSET)";
            case CORRUPT ->
                "the damaged entry was kept for inspection; 'tokenbroker remove NAME'"
                    + " deletes it and 'tokenbroker login NAME' stores a new grant";
            case MISCONFIGURED ->
                "check --store and --keyset (or TOKENBROKER_STORE, TOKENBROKER_KEYSET)";
          };
      return new Report(
          e.isTransient() ? ExitCodes.TRANSIENT : ExitCodes.FAILURE, oneLine(e.getMessage()), hint);
    }
    if (t instanceof ClientConfigurationException e) {
      return new Report(
          ExitCodes.FAILURE,
          oneLine(e.getMessage()),
          "the provider rejected the client as configured: check the client id and secret,"
              + " the scopes and the provider URLs");
    }
    if (t instanceof ConsentException e) {
      String hint =
          switch (e.kind()) {
            case TIMEOUT ->
                "run login again and finish the consent in time (or pass a longer --timeout)";
            case ACCESS_DENIED -> "the consent was refused; run login again and approve it";
            default -> "run login again; use the URL printed by that run only";
          };
      return new Report(ExitCodes.FAILURE, oneLine(e.getMessage()), hint);
    }
    if (t instanceof UnknownGrantException e) {
      return new Report(
          ExitCodes.FAILURE, oneLine(e.getMessage()), "'tokenbroker status' lists the grants");
    }
    if (t instanceof TokenBrokerException e) {
      return new Report(ExitCodes.FAILURE, oneLine(e.getMessage()), null);
    }
    if (t instanceof ProcoreApiException e) {
      boolean retry =
          switch (e.kind()) {
            case RATE_LIMITED, SERVER_ERROR, NETWORK -> true;
            default -> false;
          };
      return new Report(
          retry ? ExitCodes.TRANSIENT : ExitCodes.FAILURE,
          oneLine("Procore: " + e.getMessage()),
          retry ? "Procore or the network failed (already retried); try again later" : null);
    }
    if (t instanceof CorApiException e) {
      return new Report(
          e.isRetryable() ? ExitCodes.TRANSIENT : ExitCodes.FAILURE,
          oneLine("COR: " + e.getMessage()),
          e.isRetryable() ? "COR or the network failed (already retried); try again later" : null);
    }
    if (t instanceof UncheckedIOException e) {
      return new Report(ExitCodes.FAILURE, oneLine(e.getMessage()), null);
    }
    return new Report(
        ExitCodes.FAILURE,
        oneLine(
            t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage())),
        "this looks like a bug; run again with --verbose for the stack trace");
  }

  static int report(Throwable t, PrintStream err, boolean verbose) {
    Report r = classify(t);
    err.println("tokenbroker: " + r.message());
    if (r.hint() != null) {
      err.println("hint: " + r.hint());
    }
    if (verbose) {
      t.printStackTrace(err);
    }
    return r.exitCode();
  }

  static String oneLine(@Nullable String message) {
    if (message == null) {
      return "unknown error";
    }
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
