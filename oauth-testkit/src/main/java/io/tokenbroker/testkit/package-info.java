/**
 * Test support for tokenbroker and for applications that use it: {@link
 * io.tokenbroker.testkit.FakeAuthorizationServer}, a fake OAuth 2.0 authorization server on
 * loopback, built like the vendor sandboxes on one {@link io.tokenbroker.testkit.LoopbackServer}
 * with one {@link io.tokenbroker.testkit.RecordedRequest}, {@link io.tokenbroker.testkit.Fault} and
 * {@link io.tokenbroker.testkit.Reply} type; {@link io.tokenbroker.testkit.FakeClock}; and the
 * shared token-store contract suite.
 */
@NullMarked
package io.tokenbroker.testkit;

import org.jspecify.annotations.NullMarked;
