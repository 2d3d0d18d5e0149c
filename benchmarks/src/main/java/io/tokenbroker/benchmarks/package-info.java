/**
 * JMH benchmarks and small measuring harnesses; see {@code benchmarks/README.md}. Not a library:
 * nothing here is published.
 */
@NullMarked
package io.tokenbroker.benchmarks;

import org.jspecify.annotations.NullMarked;
