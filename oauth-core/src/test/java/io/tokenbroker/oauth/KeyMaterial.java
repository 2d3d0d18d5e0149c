package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.crypto.tink.AccessesPartialKey;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AesGcmKey;
import io.tokenbroker.oauth.internal.Tink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helper: the forms in which a keyset's secret material could leak into text. */
public final class KeyMaterial {
  private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]+)\"");

  private final List<String> forms;

  private KeyMaterial(List<String> forms) {
    this.forms = List.copyOf(forms);
  }

  /** Raw AES key bytes (base64, hex) and the serialized key data of every key in {@code keyset}. */
  @AccessesPartialKey // reads the raw key bytes on purpose, to look for them in text
  public static KeyMaterial of(KeysetHandle keyset) {
    List<String> forms = new ArrayList<>();
    for (int i = 0; i < keyset.size(); i++) {
      AesGcmKey key = (AesGcmKey) keyset.getAt(i).getKey();
      byte[] raw = key.getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
      forms.add(Base64.getEncoder().encodeToString(raw));
      forms.add(Base64.getEncoder().withoutPadding().encodeToString(raw).substring(0, 20));
      forms.add(HexFormat.of().formatHex(raw));
      forms.add(HexFormat.of().withUpperCase().formatHex(raw));
    }
    Matcher values = VALUE.matcher(json(keyset));
    while (values.find()) {
      // Any long run of the serialized key data is a leak; 16 chars is far above chance.
      forms.add(values.group(1).substring(values.group(1).length() - 16));
    }
    return new KeyMaterial(forms);
  }

  public static String json(KeysetHandle keyset) {
    try {
      return TinkJsonProtoKeysetFormat.serializeKeyset(
          keyset, Tink.configuration(), InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** Asserts that neither the message, toString nor stack trace of {@code t} leak key material. */
  public void assertNotIn(Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    assertNotIn(String.valueOf(t.getMessage()));
    assertNotIn(t.toString());
    assertNotIn(trace.toString());
  }

  public void assertNotIn(String text) {
    for (String form : forms) {
      assertFalse(text.contains(form), () -> "key material leaked into: " + text);
    }
  }

  public int size() {
    return forms.size();
  }
}
