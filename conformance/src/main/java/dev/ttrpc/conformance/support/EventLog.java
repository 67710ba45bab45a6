package dev.ttrpc.conformance.support;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Events of a containerd as {@code ctr events} prints them, collected by a background
 * {@code ctr events} process. ctr prints only events it could decode: an event whose
 * {@code Any.type_url} containerd's type registry does not know is dropped with a warning on
 * stderr, which {@link #decodeWarnings()} exposes.
 *
 * <p>Thread-safe: a reader thread appends, tests read snapshots.
 */
public final class EventLog implements AutoCloseable {

  /**
   * One event line: {@code <timestamp> <namespace> <topic> <json>}.
   *
   * @param namespace containerd namespace the event was published in
   * @param topic e.g. {@code /tasks/exit}
   * @param json the decoded event as JSON (Go's encoding/json of the gogo struct; zero values
   *     omitted)
   */
  public record Event(String namespace, String topic, String json) {

    private static final Pattern LINE =
        Pattern.compile("^(.+?) (\\S+) (/\\S+)(?: (.*))?$");

    static Optional<Event> parse(String line) {
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        return Optional.empty();
      }
      return Optional.of(new Event(m.group(2), m.group(3), m.group(4) == null ? "" : m.group(4)));
    }

    /** A top-level string field of the JSON, or "" if absent. */
    public String string(String field) {
      Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":\"([^\"]*)\"").matcher(json);
      return m.find() ? m.group(1) : "";
    }

    /** A top-level number field of the JSON, or 0 if absent (Go omits zero values). */
    public long number(String field) {
      Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(-?\\d+)").matcher(json);
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The container the event is about: {@code container_id}, or {@code id} for /containers. */
    public String containerId() {
      String id = string("container_id");
      return id.isEmpty() && topic.startsWith("/containers/") ? string("id") : id;
    }

    @Override
    public String toString() {
      return namespace + " " + topic + " " + json;
    }
  }

  private final List<String> argv;
  private final List<Event> events = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private Process process;
  /** A subscription whose connection is about to be lost on purpose (containerd restarts). */
  private Process disconnecting;

  private EventLog(List<String> argv) {
    this.argv = List.copyOf(argv);
  }

  /**
   * Starts {@code <ctr> -a address events [filters…]} and returns once it is subscribed.
   * Filters are containerd's, e.g. {@code namespace==NS}.
   */
  static EventLog start(String ctr, String address, String... filters) {
    List<String> argv = new ArrayList<>(List.of(requireNonNull(ctr, "ctr"), "-a",
        requireNonNull(address, "address"), "events"));
    argv.addAll(List.of(filters));
    EventLog log = new EventLog(argv);
    log.subscribe();
    return log;
  }

  /**
   * Says that containerd is about to go away: the current subscription's complaint about the lost
   * connection is then not a warning.
   */
  synchronized void expectDisconnect() {
    disconnecting = process;
  }

  /** Subscribes again, e.g. after a containerd restart broke the previous subscription. */
  synchronized void resubscribe() {
    stopProcess();
    subscribe();
  }

  private synchronized void subscribe() {
    try {
      ProcessBuilder builder = new ProcessBuilder(argv);
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      process = builder.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + argv, e);
    }
    Process current = process;
    Thread.ofPlatform().daemon().name("ctr-events").start(() -> {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(current.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = reader.readLine()) != null; ) {
          Event.parse(line).ifPresent(this::add);
        }
      } catch (IOException e) {
        // The process was stopped; what was read so far stays.
      }
    });
    Thread.ofPlatform().daemon().name("ctr-events-stderr").start(() -> {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(current.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = reader.readLine()) != null; ) {
          addWarning(current, line);
        }
      } catch (IOException e) {
        // As above.
      }
    });
    // ctr subscribes right after connecting; a short pause keeps the first test's events.
    sleep(Duration.ofMillis(300));
  }

  private synchronized void add(Event event) {
    events.add(event);
    notifyAll();
  }

  private synchronized void addWarning(Process from, String line) {
    boolean connectionLost = line.contains("code = Unavailable");
    if (!(connectionLost && from == disconnecting)) {
      warnings.add(line);
    }
  }

  /** Position after the last event so far, for {@link #since}. */
  public synchronized int mark() {
    return events.size();
  }

  /** Every event so far. */
  public synchronized List<Event> all() {
    return List.copyOf(events);
  }

  /** Lines ctr printed on stderr, e.g. {@code cannot unmarshal an event from Any}. */
  public synchronized List<String> decodeWarnings() {
    return List.copyOf(warnings);
  }

  /** Events after {@code mark} in {@code namespace} about {@code containerId}. */
  public synchronized List<Event> since(int mark, String namespace, String containerId) {
    List<Event> result = new ArrayList<>();
    for (Event e : events.subList(Math.min(mark, events.size()), events.size())) {
      if (e.namespace().equals(namespace) && e.containerId().equals(containerId)) {
        result.add(e);
      }
    }
    return result;
  }

  /** Topics of the {@code /tasks/} events after {@code mark} about {@code containerId}. */
  public List<String> taskTopicsSince(int mark, String namespace, String containerId) {
    return since(mark, namespace, containerId).stream()
        .map(Event::topic)
        .filter(t -> t.startsWith("/tasks/"))
        .toList();
  }

  /**
   * Waits until at least {@code count} {@code /tasks/} events about {@code containerId} arrived
   * after {@code mark} (or {@code timeout} passed), then a little longer so that unexpected extra
   * events are seen too, and returns those events.
   */
  public List<Event> awaitTaskEvents(
      int mark, String namespace, String containerId, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (taskEvents(mark, namespace, containerId).size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
    }
    sleep(Duration.ofMillis(250));
    return taskEvents(mark, namespace, containerId);
  }

  private List<Event> taskEvents(int mark, String namespace, String containerId) {
    return since(mark, namespace, containerId).stream()
        .filter(e -> e.topic().startsWith("/tasks/"))
        .toList();
  }

  @Override
  public synchronized void close() {
    stopProcess();
  }

  private void stopProcess() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
