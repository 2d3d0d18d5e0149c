package io.tokenbroker.spring.internal;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/**
 * Registers the {@code tokenbroker} health indicator on Spring Boot 3, whose health types ({@code
 * org.springframework.boot.actuate.health}) Boot 4 moved to {@code
 * org.springframework.boot.health.contributor}. This jar is compiled against Boot 4, so the Boot 3
 * indicator is a proxy of Boot 3's {@code HealthIndicator} interface building Boot 3's {@code
 * Health} by reflection; the rest is {@link GrantHealth}, shared with {@link Boot4HealthIndicator}.
 */
public final class Boot3HealthRegistrar
    implements ImportBeanDefinitionRegistrar, BeanFactoryAware, BeanClassLoaderAware {
  static final String INDICATOR = "org.springframework.boot.actuate.health.HealthIndicator";
  static final String HEALTH = "org.springframework.boot.actuate.health.Health";

  private @Nullable BeanFactory beanFactory;
  private @Nullable ClassLoader classLoader;

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    if (registry.containsBeanDefinition("tokenbrokerHealthIndicator")) {
      return;
    }
    Class<?> indicator = ClassUtils.resolveClassName(INDICATOR, classLoader);
    // Spring calls setBeanFactory before this (an import registrar's Aware callbacks come first).
    BeanFactory factory = requireNonNull(beanFactory, "beanFactory == null");
    RootBeanDefinition definition = new RootBeanDefinition(indicator);
    definition.setInstanceSupplier(() -> create(indicator, factory.getBean(GrantStates.class)));
    registry.registerBeanDefinition("tokenbrokerHealthIndicator", definition);
  }

  static Object create(Class<?> indicator, GrantStates states) {
    ClassLoader loader = indicator.getClassLoader();
    Class<?> healthType = ClassUtils.resolveClassName(HEALTH, loader);
    Method status;
    Method withDetails;
    Method build;
    try {
      status = healthType.getMethod("status", String.class);
      Class<?> builder = status.getReturnType();
      withDetails = builder.getMethod("withDetails", Map.class);
      build = builder.getMethod("build");
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("unsupported Spring Boot 3 health API", e);
    }
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (method.getName().equals("health") && method.getParameterCount() == 0) {
            GrantHealth health = GrantHealth.of(states);
            Object builder = status.invoke(null, health.up() ? "UP" : "DOWN");
            withDetails.invoke(builder, health.details());
            return build.invoke(builder);
          }
          if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
          }
          return switch (method.getName()) {
            case "toString" -> "TokenBrokerHealthIndicator";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> throw new UnsupportedOperationException(method.getName());
          };
        };
    return Proxy.newProxyInstance(loader, new Class<?>[] {indicator}, handler);
  }
}
