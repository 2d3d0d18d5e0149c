package io.tokenbroker.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * A JUnit 5 extension that fails a test if any secret the testkit's fake servers issued or were
 * configured with ({@link IssuedSecrets}: access and refresh tokens, authorization codes, client
 * secrets, passwords) shows up in what the test logged or printed: the root logger, tokenbroker's
 * loggers at every level, {@code System.out}, {@code System.err}, and {@link ChildJvm} output (see
 * {@link LogCapture}).
 *
 * <p>Register it on a class with {@code @ExtendWith(SecretLeakCheck.class)}, or for every test of a
 * module through JUnit's extension auto-detection, as tokenbroker's own modules do: a file {@code
 * META-INF/services/org.junit.jupiter.api.extension.Extension} in the test resources naming this
 * class, and {@code junit.jupiter.extensions.autodetection.enabled=true} in {@code
 * junit-platform.properties}.
 *
 * <p>Secrets are recorded from before the test class's {@code @BeforeAll} methods and field
 * initializers to after its {@code @AfterAll} methods; output is checked per test, from before its
 * {@code @BeforeEach} methods to after its {@code @AfterEach} methods. A class that must print a
 * secret (e.g. one that runs a planted leak to test this check) says so with {@link Skip}. Assumes
 * the tests of one JVM run one at a time (JUnit's default).
 */
public final class SecretLeakCheck
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SecretLeakCheck.class);
  private static final String CAPTURE = "capture";

  /**
   * Exempts a test class or method from the check. Meant for tests of the check itself; say why.
   */
  @Documented
  @Inherited
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  public @interface Skip {
    /** Why this test may print secrets. */
    String value();
  }

  /** Used by JUnit; register with {@code @ExtendWith(SecretLeakCheck.class)} or auto-detection. */
  public SecretLeakCheck() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    IssuedSecrets.arm();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    IssuedSecrets.disarm();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!skipped(context)) {
      context.getStore(NAMESPACE).put(CAPTURE, LogCapture.start());
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    LogCapture capture = context.getStore(NAMESPACE).remove(CAPTURE, LogCapture.class);
    if (capture != null) {
      capture.close();
      capture.assertNoSecrets();
    }
  }

  private static boolean skipped(ExtensionContext context) {
    return AnnotationSupport.isAnnotated(context.getTestMethod(), Skip.class)
        || context
            .getTestClass()
            .map(type -> AnnotationSupport.isAnnotated(type, Skip.class))
            .orElse(false);
  }
}
