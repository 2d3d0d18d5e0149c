/**
 * Small runnable programs that embed the library, each offline against a sandbox by default: {@link
 * io.tokenbroker.examples.CorClientCredentialsExample}, {@link
 * io.tokenbroker.examples.ProcoreConsentExample}, {@link
 * io.tokenbroker.examples.SharedDatabaseExample} and {@link
 * io.tokenbroker.examples.ListenerExample}. The {@code tokenbroker} command lives in {@code
 * io.tokenbroker.examples.cli}.
 */
@NullMarked
package io.tokenbroker.examples;

import org.jspecify.annotations.NullMarked;
