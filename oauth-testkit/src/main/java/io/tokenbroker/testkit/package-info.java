/**
 * Test support for tokenbroker and for applications that use it. Start with {@link
 * io.tokenbroker.testkit.FakeAuthorizationServer}, a strict, scriptable OAuth 2.0 authorization
 * server on loopback; it and the vendor sandboxes are dispatchers on one {@link
 * io.tokenbroker.testkit.LoopbackServer} with one {@link io.tokenbroker.testkit.RecordedRequest},
 * {@link io.tokenbroker.testkit.Fault} and {@link io.tokenbroker.testkit.Reply} type. Also here:
 * {@link io.tokenbroker.testkit.FakeClock}, the {@link io.tokenbroker.testkit.TokenStoreContract}
 * suite, {@link io.tokenbroker.testkit.RecordingBrokerListener}, {@link
 * io.tokenbroker.testkit.ChildJvm}, and the {@link io.tokenbroker.testkit.SecretLeakCheck} JUnit
 * extension with its {@link io.tokenbroker.testkit.LogCapture}.
 */
@NullMarked
package io.tokenbroker.testkit;

import org.jspecify.annotations.NullMarked;
