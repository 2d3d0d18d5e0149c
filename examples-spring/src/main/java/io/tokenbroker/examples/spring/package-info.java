/** A Spring Boot application using tokenbroker-spring-boot-starter. */
package io.tokenbroker.examples.spring;
