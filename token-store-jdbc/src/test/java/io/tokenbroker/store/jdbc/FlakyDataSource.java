package io.tokenbroker.store.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Wraps a real {@link DataSource} and makes it fail on demand: refuse connections, or fail a
 * statement after it ran (the "connection dropped before the answer arrived" case).
 */
final class FlakyDataSource implements ConnectionSource {
  private final DataSource delegate;

  /** How many of the next getConnection calls fail. */
  final AtomicInteger connectionFailures = new AtomicInteger();

  /** How many of the next executeUpdate calls run and then fail. */
  final AtomicInteger failuresAfterUpdate = new AtomicInteger();

  /** How many of the next executeUpdate/executeQuery calls fail without running. */
  final AtomicInteger failuresBeforeExecute = new AtomicInteger();

  /** What those failures throw. */
  volatile Supplier<SQLException> failure =
      () -> new java.sql.SQLTransientConnectionException("connection refused (simulated)", "08001");

  /** Which statements the statement failures apply to, by their SQL text. */
  volatile java.util.function.Predicate<String> failingStatements = sql -> true;

  final AtomicInteger connectionsRequested = new AtomicInteger();

  FlakyDataSource(DataSource delegate) {
    this.delegate = delegate;
  }

  @Override
  public Connection getConnection() throws SQLException {
    connectionsRequested.incrementAndGet();
    if (take(connectionFailures)) {
      throw failure.get();
    }
    return wrap(delegate.getConnection());
  }

  private static boolean take(AtomicInteger counter) {
    return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
  }

  private Connection wrap(Connection connection) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          Object result = invoke(connection, method, args);
          if (result instanceof PreparedStatement statement
              && failingStatements.test((String) args[0])) {
            return wrap(statement);
          }
          return result;
        };
    return (Connection)
        Proxy.newProxyInstance(
            FlakyDataSource.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private PreparedStatement wrap(PreparedStatement statement) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          String name = method.getName();
          boolean executes = name.equals("executeUpdate") || name.equals("executeQuery");
          if (executes && take(failuresBeforeExecute)) {
            throw failure.get();
          }
          Object result = invoke(statement, method, args);
          if (name.equals("executeUpdate") && take(failuresAfterUpdate)) {
            throw failure.get();
          }
          return result;
        };
    return (PreparedStatement)
        Proxy.newProxyInstance(
            FlakyDataSource.class.getClassLoader(),
            new Class<?>[] {PreparedStatement.class},
            handler);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
