/**
 * Test support for tokenbroker and for applications that use it: a fake OAuth 2.0 authorization
 * server on loopback, {@link io.tokenbroker.testkit.FakeClock}, and the shared token-store contract
 * suite.
 */
@NullMarked
package io.tokenbroker.testkit;

import org.jspecify.annotations.NullMarked;
