/**
 * An offline Procore sandbox: {@link io.tokenbroker.testkit.procore.ProcoreSandbox} serves
 * Procore's login host (OAuth 2.0) and API host ({@code /rest/vX.Y/...}) on two loopback ports, as
 * documented by Procore, with strict single-use refresh tokens, company-header enforcement, header
 * pagination, two-window rate limiting and fault injection.
 *
 * <p>Written from Procore's documentation (the project's {@code reference/vendors.md} §2 and §4.2),
 * never from the adapter module, so that it is an independent check of it.
 */
@NullMarked
package io.tokenbroker.testkit.procore;

import org.jspecify.annotations.NullMarked;
