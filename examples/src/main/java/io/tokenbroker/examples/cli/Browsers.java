package io.tokenbroker.examples.cli;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/** Opens the consent URL in the user's browser, best effort. */
final class Browsers {
  private Browsers() {}

  static boolean open(URI uri) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    List<String> command;
    if (os.contains("mac")) {
      command = List.of("open", uri.toString());
    } else if (os.contains("win")) {
      command = List.of("rundll32", "url.dll,FileProtocolHandler", uri.toString());
    } else {
      if (System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null) {
        return false; // no graphical session: the user copies the printed URL
      }
      command = List.of("xdg-open", uri.toString());
    }
    try {
      new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
