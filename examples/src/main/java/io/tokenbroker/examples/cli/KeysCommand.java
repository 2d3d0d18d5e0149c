package io.tokenbroker.examples.cli;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.Keysets;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code keys}: keyset maintenance. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Keyset maintenance.",
    subcommands = KeysCommand.Rotate.class)
final class KeysCommand implements Runnable {
  @ParentCommand RootCommand root;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a keys command is required (rotate)");
  }

  /** {@code keys rotate}: new primary key, every grant and profile re-sealed under it. */
  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = {
        "Adds a new primary key and re-seals every grant under it.",
        "",
        "Saved settings are re-encrypted too. Older keys stay in the keyset file, so entries not"
            + " yet re-sealed still open."
      })
  static final class Rotate implements Callable<Integer> {
    @ParentCommand KeysCommand keys;

    @Override
    public Integer call() {
      RootCommand root = keys.root;
      CliContext ctx = root.ctx;
      AtomicInteger failed = new AtomicInteger();
      try (Session session =
          Session.open(
              ctx, root, Session.KeysetMode.EXISTING, b -> b.listener(new Forward(failed)))) {
        KeysetHandle next = Keysets.rotate(session.keyset);
        // Save first: the new file still holds the old keys, so every entry opens whatever happens
        // next.
        Keysets.toFile(next, session.keysetPath);
        int grants = session.broker.rotateKeys(next);
        int profiles = session.profiles.reencryptAll(next);
        ctx.err.println(
            "Added a new primary key to "
                + session.keysetPath
                + "; re-sealed "
                + grants
                + " grant(s) and "
                + profiles
                + " saved setting(s).");
        if (failed.get() > 0) {
          throw CliException.failure(
              failed.get()
                  + " grant(s) could not be re-sealed (unreadable with this keyset); they"
                  + " were left as they are",
              "'tokenbroker status' shows them; the old keys are still in the keyset");
        }
        return ExitCodes.OK;
      }
    }
  }

  /** Counts entries that failed to re-seal. */
  private record Forward(AtomicInteger failed) implements BrokerListener {
    @Override
    public void keysRotated(int resealed, int failures) {
      failed.addAndGet(failures);
    }
  }
}
