/**
 * An offline sandbox of COR (projectcor.com): its OAuth endpoints with their exact wire format, a
 * consent page, and its REST resources over seeded data, on 127.0.0.1. Start with {@link
 * io.tokenbroker.testkit.cor.CorSandbox}. Written from COR's public documentation only, never from
 * tokenbroker's COR adapter, so that testing the adapter against it is a real check.
 */
@NullMarked
package io.tokenbroker.testkit.cor;

import org.jspecify.annotations.NullMarked;
