/** A Spring Boot application using tokenbroker-spring-boot-starter. */
@NullMarked
package io.tokenbroker.examples.spring;

import org.jspecify.annotations.NullMarked;
