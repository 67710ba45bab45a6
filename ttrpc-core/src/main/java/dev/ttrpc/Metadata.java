package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ttRPC request metadata: an ordered list of string key/value pairs, where a key may repeat.
 *
 * <p>Lookups ignore ASCII case ({@code get("Upper")} finds a pair sent as {@code upper} and vice
 * versa), because Go peers lowercase keys in some paths and not in others. Keys keep the case they
 * were added with; the client lowercases them when it writes a request, as Go's {@code MD} does.
 * The values of one key keep their order.
 *
 * <p>Not thread-safe. The client copies metadata when a call starts; on the server, the instance
 * seen by handlers is {@linkplain #unmodifiable() unmodifiable}.
 */
public final class Metadata {

  /** The key containerd uses to carry its namespace on ttRPC calls. */
  public static final String CONTAINERD_NAMESPACE_KEY = "containerd-namespace-ttrpc";

  private final List<Map.Entry<String, String>> entries;
  private final boolean readOnly;

  private Metadata(List<Map.Entry<String, String>> entries, boolean readOnly) {
    this.entries = entries;
    this.readOnly = readOnly;
  }

  /** A new, empty, mutable instance. */
  public Metadata() {
    this(new ArrayList<>(), false);
  }

  /**
   * A new mutable instance holding the given key/value pairs, in order.
   *
   * @param keysAndValues alternating keys and values: {@code key1, value1, key2, value2, ...};
   *     no element may be null and no key empty
   * @return a new mutable instance
   * @throws IllegalArgumentException if the number of strings is odd or a key is empty
   */
  public static Metadata of(String... keysAndValues) {
    requireNonNull(keysAndValues, "keysAndValues");
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException(
          "keysAndValues must hold pairs, got " + keysAndValues.length + " strings");
    }
    Metadata md = new Metadata();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      md.add(keysAndValues[i], keysAndValues[i + 1]);
    }
    return md;
  }

  /**
   * Appends a value for a key; earlier values of the key stay.
   *
   * @param key the key, not null or empty
   * @param value the value, not null (may be empty)
   * @return this instance, for chaining
   * @throws UnsupportedOperationException if this instance is read-only
   */
  public Metadata add(String key, String value) {
    checkWritable();
    entries.add(Map.entry(checkKey(key), requireNonNull(value, "value")));
    return this;
  }

  /**
   * Replaces every value of the key (compared ignoring case) with this one.
   *
   * @param key the key, not null or empty
   * @param value the value, not null (may be empty)
   * @return this instance, for chaining
   * @throws UnsupportedOperationException if this instance is read-only
   */
  public Metadata set(String key, String value) {
    remove(key);
    return add(key, value);
  }

  /**
   * Removes every value of the key, compared ignoring case.
   *
   * @param key the key, not null
   * @return whether any value was removed
   * @throws UnsupportedOperationException if this instance is read-only
   */
  public boolean remove(String key) {
    checkWritable();
    requireNonNull(key, "key");
    return entries.removeIf(e -> e.getKey().equalsIgnoreCase(key));
  }

  /**
   * The first value of the key, compared ignoring case.
   *
   * @param key the key, not null
   * @return the first value, or null if the key is absent
   */
  public String get(String key) {
    requireNonNull(key, "key");
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey().equalsIgnoreCase(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  /**
   * Every value of the key, compared ignoring case, in order.
   *
   * @param key the key, not null
   * @return an unmodifiable snapshot of the values; empty if the key is absent
   */
  public List<String> getAll(String key) {
    requireNonNull(key, "key");
    List<String> values = new ArrayList<>(2);
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey().equalsIgnoreCase(key)) {
        values.add(e.getValue());
      }
    }
    return Collections.unmodifiableList(values);
  }

  /**
   * Whether the key has a value, compared ignoring case.
   *
   * @param key the key, not null
   * @return true if {@link #get(String)} would return a value
   */
  public boolean containsKey(String key) {
    return get(key) != null;
  }

  /**
   * The distinct keys, lowercased, in first-seen order.
   *
   * @return an unmodifiable snapshot of the keys
   */
  public Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    for (Map.Entry<String, String> e : entries) {
      keys.add(e.getKey().toLowerCase(Locale.ROOT));
    }
    return Collections.unmodifiableSet(keys);
  }

  /**
   * Every pair in order, with keys as they were added or received.
   *
   * @return an unmodifiable view that follows later changes to this instance
   */
  public List<Map.Entry<String, String>> entries() {
    return Collections.unmodifiableList(entries);
  }

  /**
   * The number of pairs, counting each value of a repeated key.
   *
   * @return the number of key/value pairs
   */
  public int size() {
    return entries.size();
  }

  /**
   * Whether there are no pairs.
   *
   * @return true if {@link #size()} is 0
   */
  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Appends every pair of {@code other} to this instance, after the pairs already here.
   *
   * @param other the metadata to add, not null; not modified
   * @return this instance, for chaining
   * @throws UnsupportedOperationException if this instance is read-only
   */
  public Metadata merge(Metadata other) {
    checkWritable();
    entries.addAll(requireNonNull(other, "other").entries);
    return this;
  }

  /**
   * A mutable copy, independent of this instance.
   *
   * @return a new mutable instance with the same pairs
   */
  public Metadata copy() {
    return new Metadata(new ArrayList<>(entries), false);
  }

  /**
   * A read-only view; mutators throw {@link UnsupportedOperationException}.
   *
   * @return this instance if already read-only, else a view sharing its pairs
   */
  public Metadata unmodifiable() {
    return readOnly ? this : new Metadata(entries, true);
  }

  /**
   * Whether mutators throw {@link UnsupportedOperationException}.
   *
   * @return true for instances made by {@link #unmodifiable()}
   */
  public boolean isReadOnly() {
    return readOnly;
  }

  private void checkWritable() {
    if (readOnly) {
      throw new UnsupportedOperationException("metadata is read-only");
    }
  }

  private static String checkKey(String key) {
    requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("metadata key must not be empty");
    }
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Metadata && ((Metadata) o).entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "Metadata" + entries;
  }
}
