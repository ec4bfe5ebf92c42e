package io.permits;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The name of a key's semaphore: {@code NAME.KEY}, written so that every backend accepts it (letters,
 * digits, {@code _}, {@code -} and {@code .}) and different keys never share a name.
 */
final class KeyNames {

  /*
   * Implementation notes: letters, digits, '_' and '-' stand for themselves; every other UTF-8 byte
   * of the key's toString(), '.' included, is '.' and two hex digits, so the encoding is injective.
   * A name longer than MAX_LENGTH becomes NAME..HASH, the first 32 hex digits of the SHA-256 of the
   * key: an encoded key never holds "..", as each '.' in it is followed by two hex digits.
   */

  /** Longer names are hashed: file names and Redis key prefixes stay short. */
  static final int MAX_LENGTH = 100;

  private KeyNames() {}

  static String of(String name, Object key) {
    String text = key.toString();
    StringBuilder encoded = new StringBuilder(name.length() + 1 + text.length()).append(name).append('.');
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        encoded.append(c);
      } else {
        encoded.append('.').append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
    }
    if (encoded.length() <= MAX_LENGTH) {
      return encoded.toString();
    }
    return name + ".." + HexFormat.of().formatHex(sha256(text)).substring(0, 32);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
