/**
 * The {@code tokenbroker} command-line consent helper: stores named grants ({@code login}), hands
 * out their access tokens to scripts ({@code token}), and manages them ({@code status}, {@code
 * refresh}, {@code revoke}, {@code remove}, {@code keys rotate}). Entry point: {@link
 * io.tokenbroker.examples.cli.TokenBrokerCli}. Everything else here is package-private.
 */
@NullMarked
package io.tokenbroker.examples.cli;

import org.jspecify.annotations.NullMarked;
