package io.permits.postgres;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
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

/**
 * A resource guarded by a semaphore, in the test's JVM, that client JVMs enter and leave over
 * TCP ({@code ENTER token}, {@code EXIT token}, one reply line each): it counts who is inside,
 * remembers the most inside at once and every token that entered, and says {@code TWICE} for a
 * token that entered before. A client whose connection ends is no longer inside.
 *
 * <p>A client that finds at its exit that its lease is no longer held (its own belief ran out
 * while it was inside: a stall longer than what was left of the lease) says {@code EXIT-LOST
 * token}. Such a stay is the holder's breach, not the semaphore's: a lease promises its permits
 * only while it is believed, and a real resource fences off the late holder by its token. So
 * besides the most inside at once, the resource counts the most inside at once among the stays
 * that ended still believed ({@link Snapshot#maxBelieved()}): the semaphore's bound.
 */
final class GuardedResource implements AutoCloseable {

  /** What the resource saw. */
  record Snapshot(
      int inside, int maxInside, int maxBelieved, int lostInside, List<Long> tokens,
      List<Long> twice) {
    long entries() {
      return tokens.size();
    }
  }

  private final ServerSocket listener;
  private final List<Socket> sockets = new ArrayList<>();
  private final Set<Long> seen = new HashSet<>();
  private final List<Long> tokens = new ArrayList<>();
  private final List<Long> twice = new ArrayList<>();
  private int inside;
  private int maxInside;
  private long events; // a sequence number for each entry and exit
  private final List<long[]> believedStays = new ArrayList<>(); // {entered, left}
  private int lostInside;

  private GuardedResource() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("guarded-accept").start(this::accept);
  }

  static GuardedResource start() throws IOException {
    return new GuardedResource();
  }

  int port() {
    return listener.getLocalPort();
  }

  private void accept() {
    try {
      while (true) {
        Socket socket = listener.accept();
        socket.setTcpNoDelay(true);
        synchronized (this) {
          sockets.add(socket);
        }
        Thread.ofVirtual().start(() -> serve(socket));
      }
    } catch (IOException closed) {
      // closed by close()
    }
  }

  private void serve(Socket socket) {
    long entered = -1; // the event of this connection's entry while it is inside
    try (socket;
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] words = line.split(" ");
        long token = Long.parseLong(words[1]);
        String reply = "OK";
        synchronized (this) {
          if (words[0].equals("ENTER")) {
            if (!seen.add(token)) {
              reply = "TWICE";
              twice.add(token);
            }
            tokens.add(token);
            inside++;
            maxInside = Math.max(maxInside, inside);
            entered = ++events;
          } else {
            inside--;
            if (words[0].equals("EXIT-LOST")) {
              lostInside++;
            } else {
              believedStays.add(new long[] {entered, ++events});
            }
            entered = -1;
          }
          notifyAll();
        }
        out.println(reply);
      }
    } catch (IOException gone) {
      // the client went away
    } finally {
      synchronized (this) {
        if (entered >= 0) { // a client that died inside is no longer using the resource
          inside--;
          believedStays.add(new long[] {entered, ++events});
        }
        sockets.remove(socket);
        notifyAll();
      }
    }
  }

  /** The most stays that ended believed, inside at once. */
  private int maxBelieved() {
    List<long[]> edges = new ArrayList<>();
    for (long[] stay : believedStays) {
      edges.add(new long[] {stay[0], 1});
      edges.add(new long[] {stay[1], -1});
    }
    edges.sort((a, b) -> Long.compare(a[0], b[0]));
    int now = 0;
    int most = 0;
    for (long[] edge : edges) {
      now += (int) edge[1];
      most = Math.max(most, now);
    }
    return most;
  }

  synchronized Snapshot snapshot() {
    return new Snapshot(
        inside, maxInside, maxBelieved(), lostInside, List.copyOf(tokens), List.copyOf(twice));
  }

  /** Waits, without spinning, until the resource's state satisfies {@code condition}. */
  synchronized Snapshot await(Predicate<Snapshot> condition, String description, Duration patience)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      Snapshot now = snapshot();
      if (condition.test(now)) {
        return now;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + description + " within " + patience + "; saw "
            + now.entries() + " entries, " + now.inside() + " inside");
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
