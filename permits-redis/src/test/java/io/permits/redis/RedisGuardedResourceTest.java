package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.tck.Await;
import io.permits.testsupport.ForkedJvm;
import io.permits.testsupport.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults with separate client JVMs at a guarded resource: a holder stopped with SIGSTOP past its
 * lease, while other client JVMs go on taking the permit, then continued with SIGCONT, sees its
 * lease lost, and the resource, which counts the holders inside it and refuses stale tokens,
 * never has more than the limit inside.
 */
@Timeout(120)
@SuppressWarnings("try") // killWorkers is only closed
class RedisGuardedResourceTest {

  private static final int WORKERS = 3;
  private static final int ENTRIES_WHILE_STOPPED = 20;
  private static final long VICTIM_LEASE_MILLIS = 1_000;
  /** Long, so that only the stopped holder can lose its lease, even on a loaded machine. */
  private static final long WORKER_LEASE_MILLIS = 10_000;
  /**
   * How long the client JVMs may take to start, all at once: long, as each spends seconds of
   * processor time loading the Redis client, and a shared machine may have few to give.
   */
  private static final Duration STARTUP_PATIENCE = Duration.ofSeconds(60);
  /** Only C1: a third less processor time to start, and the clients run only seconds. */
  private static final List<String> CLIENT_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  @Test
  void aHolderStoppedPastItsLeaseIsFencedOffWhileOtherJvmsTakeTheSinglePermit()
      throws Exception {
    String name = "guarded";
    List<ForkedJvm> workers = new ArrayList<>();
    try (RedisServer server = RedisServer.start();
        GuardedResource resource = GuardedResource.start();
        ForkedJvm victim = client(server, name, VICTIM_LEASE_MILLIS, resource, "victim");
        AutoCloseable killWorkers = () -> workers.forEach(ForkedJvm::close)) {
      for (int i = 0; i < WORKERS; i++) {
        workers.add(client(server, name, WORKER_LEASE_MILLIS, resource, "worker"));
      }
      long stale; // the victim's token
      // opened while the clients start; it only watches the queue
      try (RedisSemaphore observer =
          RedisSemaphore.builder(server.uri()).name(name).limit(1).build()) {
        // every JVM starts (the costly part) before anything is held, so that no renewal of
        // the victim's is late for want of a processor
        resource.await(
            state -> state.connected() == 1 + WORKERS,
            (1 + WORKERS) + " clients connected",
            STARTUP_PATIENCE);
        victim.awaitLine("ready"); // each prints it right after connecting
        for (ForkedJvm worker : workers) {
          worker.awaitLine("ready");
        }

        say(victim, "go");
        stale = Long.parseLong(victim.awaitLineStartingWith("inside ").substring(7));
        assertThat(resource.snapshot().inside()).isEqualTo(1);
        workers.forEach(worker -> say(worker, "go"));
        Await.waiting(observer, WORKERS); // every worker queued behind the victim
      }

      long stopped = System.nanoTime();
      signal("STOP", victim.process().pid());
      // the permit went round all the workers while the victim was stopped
      Snapshot whileStopped =
          resource.await(
              state ->
                  state.entriesAbove(stale) >= ENTRIES_WHILE_STOPPED
                      && state.sessionsAbove(stale) == WORKERS,
              "at least " + ENTRIES_WHILE_STOPPED + " entries by all " + WORKERS
                  + " workers with tokens above " + stale,
              Await.PATIENCE);
      long continued = System.nanoTime();
      signal("CONT", victim.process().pid());
      long firstEntry = whileStopped.firstEntryAboveNanos(stale);
      assertThat(firstEntry - stopped)
          .as("no worker got in before the victim was stopped (its lease was live)")
          .isPositive();

      say(victim, "continued");
      assertThat(victim.awaitLineStartingWith("lost: ")).isEqualTo("lost: true");
      long lostSeen = System.nanoTime();
      assertThat(victim.awaitLineStartingWith("isHeld ")).isEqualTo("isHeld false");
      assertThat(victim.awaitLineStartingWith("use ")).isEqualTo("use STALE");
      assertThat(victim.awaitLineStartingWith("exit ")).isEqualTo("exit STALE");
      assertThat(victim.awaitExit()).as("the victim's exit code").isZero();

      for (ForkedJvm worker : workers) {
        worker.process().getOutputStream().close(); // ends its loop
      }
      long workerEntries = 0;
      for (ForkedJvm worker : workers) {
        String done = worker.awaitLineStartingWith("done ");
        assertThat(done)
            .as("worker %d: %s", worker.process().pid(), worker.linesSeen())
            .endsWith(" stale 0");
        workerEntries += Long.parseLong(done.split(" ")[2]);
        assertThat(worker.awaitExit())
            .as("worker %d's exit code", worker.process().pid())
            .isZero();
      }

      Snapshot end = resource.snapshot();
      assertThat(end.maxInside()).as("most holders inside the resource at once").isEqualTo(1);
      assertThat(end.inside()).as("holders inside at the end").isZero();
      assertThat(end.fenced()).as("tokens of the sessions fenced off").containsExactly(stale);
      assertThat(end.refused()).as("tokens refused").containsExactly(stale, stale);
      assertThat(end.entries())
          .as(
              "entries: the victim's and the workers' own counts (victim with a %d ms lease"
                  + " stopped while %d worker JVMs queued: the first worker got in %.0f ms after"
                  + " the stop; %d entries in the %.0f ms stopped; lost() %.0f ms after SIGCONT)",
              VICTIM_LEASE_MILLIS,
              WORKERS,
              (firstEntry - stopped) / 1e6,
              whileStopped.entriesAbove(stale),
              (continued - stopped) / 1e6,
              (lostSeen - continued) / 1e6)
          .isEqualTo(1 + workerEntries);
    }
  }

  private static ForkedJvm client(
      RedisServer server, String name, long leaseMillis, GuardedResource resource, String mode) {
    return ForkedJvm.start(
        RedisWorkerMain.class.getName(),
        CLIENT_JVM_OPTIONS,
        server.uri(),
        name,
        Long.toString(leaseMillis),
        Integer.toString(resource.port()),
        mode);
  }

  private static void say(ForkedJvm client, String line) {
    try {
      OutputStream stdin = client.process().getOutputStream();
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).isZero();
  }

  /** What the resource saw, copied under its lock. */
  record Snapshot(
      int connected,
      int inside,
      int maxInside,
      List<Entry> entryLog,
      List<Long> fenced,
      List<Long> refused) {

    long entries() {
      return entryLog.size();
    }

    long entriesAbove(long token) {
      return entryLog.stream().filter(e -> e.token() > token).count();
    }

    long sessionsAbove(long token) {
      return entryLog.stream().filter(e -> e.token() > token).map(Entry::session).distinct()
          .count();
    }

    long firstEntryAboveNanos(long token) {
      return firstAbove(token).nanos();
    }

    private Entry firstAbove(long token) {
      return entryLog.stream().filter(e -> e.token() > token).findFirst().orElseThrow();
    }
  }

  /** An accepted ENTER: its token, the connection it came on, and when. */
  record Entry(long token, int session, long nanos) {}

  /**
   * The guarded resource: a line protocol on a loopback port, one thread per connection (a
   * session). {@code ENTER t}, {@code USE t} and {@code EXIT t} are each answered {@code OK} or
   * {@code STALE}.
   *
   * <p>It fences by the highest token it has accepted: a token lower than that is refused, and
   * accepting a higher one fences off every session still inside (it is out; its later commands
   * are refused). That is exact only because the semaphore's limit is 1: a token is granted only
   * once every earlier grant is over (released, or expired in Redis), so whoever holds a lower
   * token has lost its lease and nobody with a live lease is refused. With a limit of n > 1,
   * holders of n live leases use the resource at once with unrelated tokens (an older grant can
   * outlive newer ones), so "refuse below the highest" would refuse live holders; fencing them
   * exactly would need the resource to know which grants are still live.
   *
   * <p>It counts the sessions inside (entered, not exited, not fenced off) and keeps the most
   * seen at once, every accepted entry, every fenced-off session's token and every refused token.
   * Fencing never evicts a live holder, so any session fenced off other than the stopped holder
   * would mean two live holders at once.
   */
  static final class GuardedResource implements AutoCloseable {
    private final ServerSocket listener;
    // guarded by this
    private final Set<Socket> sockets = new HashSet<>();
    private long highest;
    private final Set<Integer> inside = new HashSet<>();
    private int maxInside;
    private int sessions;
    private final List<Entry> entries = new ArrayList<>();
    private final List<Long> fenced = new ArrayList<>();
    private final List<Long> refused = new ArrayList<>();

    private GuardedResource(ServerSocket listener) {
      this.listener = listener;
    }

    static GuardedResource start() throws IOException {
      GuardedResource resource =
          new GuardedResource(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      Thread.ofPlatform().daemon().name("guarded-resource").start(resource::accept);
      return resource;
    }

    int port() {
      return listener.getLocalPort();
    }

    private void accept() {
      try {
        while (true) {
          Socket socket = listener.accept();
          socket.setTcpNoDelay(true); // replies are one short line each: send them at once
          int session;
          synchronized (this) {
            sockets.add(socket);
            session = ++sessions;
            notifyAll();
          }
          Thread.ofVirtual().name("guarded-session-" + session).start(() -> serve(socket, session));
        }
      } catch (IOException closed) {
        // closed by close()
      }
    }

    private void serve(Socket socket, int session) {
      try (socket;
          BufferedReader in =
              new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
          PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          String[] words = line.split(" ");
          out.println(answer(session, words[0], Long.parseLong(words[1])));
        }
      } catch (IOException gone) {
        // the client went away
      } finally {
        synchronized (this) {
          inside.remove(session); // a client that died inside is no longer using the resource
          sockets.remove(socket);
          notifyAll();
        }
      }
    }

    private synchronized String answer(int session, String command, long token) {
      try {
        if (token < highest || (!command.equals("ENTER") && !inside.contains(session))) {
          refused.add(token);
          return "STALE";
        }
        switch (command) {
          case "ENTER" -> {
            if (token > highest) {
              for (int other : inside) {
                fenced.add(tokenOf(other));
              }
              inside.clear();
              highest = token;
            }
            inside.add(session);
            maxInside = Math.max(maxInside, inside.size());
            entries.add(new Entry(token, session, System.nanoTime()));
          }
          case "USE" -> {}
          case "EXIT" -> inside.remove(session);
          default -> throw new IllegalArgumentException(command);
        }
        return "OK";
      } finally {
        notifyAll();
      }
    }

    /** The token a session inside entered with: its last entry. */
    private long tokenOf(int session) {
      for (int i = entries.size() - 1; i >= 0; i--) {
        if (entries.get(i).session() == session) {
          return entries.get(i).token();
        }
      }
      throw new IllegalStateException("session " + session + " never entered");
    }

    synchronized Snapshot snapshot() {
      return new Snapshot(
          sockets.size(),
          inside.size(),
          maxInside,
          List.copyOf(entries),
          List.copyOf(fenced),
          List.copyOf(refused));
    }

    /** Waits, without spinning, until the resource's state satisfies {@code condition}. */
    synchronized Snapshot await(
        Predicate<Snapshot> condition, String description, Duration patience)
        throws InterruptedException {
      long deadline = System.nanoTime() + patience.toNanos();
      while (true) {
        Snapshot now = snapshot();
        if (condition.test(now)) {
          return now;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "expected " + description + " within " + patience + "; saw " + now.entries()
                  + " entries, fenced " + now.fenced() + ", refused " + now.refused());
        }
        wait(Math.max(1, left / 1_000_000));
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      synchronized (this) {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
    }
  }
}
