package io.tokenbroker.examples.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest ({@code dev} when run from classes). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = TokenBrokerCli.class.getPackage().getImplementationVersion();
    return new String[] {
      "tokenbroker " + (version == null ? "dev" : version),
      "Java " + System.getProperty("java.version")
    };
  }
}
