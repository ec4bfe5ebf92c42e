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
 */
final class GuardedResource implements AutoCloseable {

  /** What the resource saw. */
  record Snapshot(int inside, int maxInside, List<Long> tokens, List<Long> twice) {
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
    int mine = 0; // how many of this connection's entries are inside
    try (socket;
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] words = line.split(" ");
        long token = Long.parseLong(words[1]);
        String reply;
        synchronized (this) {
          if (words[0].equals("ENTER")) {
            reply = seen.add(token) ? "OK" : "TWICE";
            if (reply.equals("TWICE")) {
              twice.add(token);
            }
            tokens.add(token);
            inside++;
            mine++;
            maxInside = Math.max(maxInside, inside);
          } else {
            inside--;
            mine--;
            reply = "OK";
          }
          notifyAll();
        }
        out.println(reply);
      }
    } catch (IOException gone) {
      // the client went away
    } finally {
      synchronized (this) {
        inside -= mine; // a client that died inside is no longer using the resource
        sockets.remove(socket);
        notifyAll();
      }
    }
  }

  synchronized Snapshot snapshot() {
    return new Snapshot(inside, maxInside, List.copyOf(tokens), List.copyOf(twice));
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
