package io.tokenbroker.oauth;

/**
 * What a grant's hot path reads: the published tokens and the instants at which they are refreshed
 * ahead and stop being served. Immutable, published through a volatile field.
 */
final class GrantSnapshot {
  final GrantRecord record;
  final long version;
  final AccessToken token;
  final long refreshAtMillis;
  final long usableUntilMillis;

  GrantSnapshot(GrantRecord record, long version, BrokerSettings settings) {
    this.record = record;
    this.version = version;
    this.token = record.tokens().accessToken();
    long expires = record.tokens().expiresAt().toEpochMilli();
    long issued = record.tokens().issuedAt().toEpochMilli();
    long lifetime = Math.max(0, expires - issued);
    // A short-lived token shrinks the windows, so it is not refreshed on every call.
    long skew = Math.min(settings.expirySkew.toMillis(), lifetime / 10);
    long ahead = Math.max(skew, Math.min(settings.refreshAhead.toMillis(), lifetime / 2));
    // However short the stated lifetime (expires_in: 0), no unforced refresh sooner than this.
    long floor = saturatedAdd(issued, settings.minRefreshInterval.toMillis());
    this.refreshAtMillis = Math.max(expires - ahead, floor);
    this.usableUntilMillis = Math.max(expires - skew, refreshAtMillis);
  }

  boolean isUsableAt(long nowMillis) {
    return nowMillis < usableUntilMillis;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
