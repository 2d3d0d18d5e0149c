package io.tokenbroker.spring.apps;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** An application with nothing but auto-configuration. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class PlainApp {}
