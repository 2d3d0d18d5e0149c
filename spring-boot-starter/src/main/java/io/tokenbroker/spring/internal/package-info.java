/** Implementation details of the Spring Boot starter; not a public API, may change at any time. */
@NullMarked
package io.tokenbroker.spring.internal;

import org.jspecify.annotations.NullMarked;
