/**
 * Procore for tokenbroker: {@link io.tokenbroker.procore.Procore} describes one Procore environment
 * (OAuth provider descriptors, grant keys, registration helpers), {@link
 * io.tokenbroker.procore.ProcoreClient} is a typed REST client whose requests go through the
 * broker, and {@link io.tokenbroker.procore.ProcoreOAuth} covers token info and revocation.
 */
@NullMarked
package io.tokenbroker.procore;

import org.jspecify.annotations.NullMarked;
