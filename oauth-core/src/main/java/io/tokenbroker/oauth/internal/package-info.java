/** Implementation details; not an API. May change without notice. */
@NullMarked
package io.tokenbroker.oauth.internal;

import org.jspecify.annotations.NullMarked;
