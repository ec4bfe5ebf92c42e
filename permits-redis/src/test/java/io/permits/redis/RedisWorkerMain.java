package io.permits.redis;

import io.permits.Lease;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of a semaphore of limit 1 and of the guarded resource of {@link
 * RedisGuardedResourceTest}, run in a JVM of its own: {@code RedisWorkerMain URI NAME LEASE_MS
 * PORT MODE}. It opens the semaphore and connects to the resource, prints {@code ready}, and
 * waits for a line on stdin before it acquires anything; every later line it prints is a step
 * the test can wait for.
 *
 * <ul>
 *   <li>{@code worker}: until its stdin closes, acquires, sends {@code ENTER}, {@code USE} and
 *       {@code EXIT} with the lease's token, and closes the lease; prints {@code refused COMMAND
 *       TOKEN: REPLY} for any refusal, and at the end {@code done entries N stale M}.
 *   <li>{@code victim}: acquires once, enters, prints {@code inside TOKEN}, then waits for a
 *       second line on stdin (the test stops and continues it meanwhile); then waits at most 20
 *       s for {@link Lease#lost()} and prints {@code lost: true} or {@code lost: false}, then
 *       {@code isHeld BOOLEAN}, then the resource's answers to {@code USE} and {@code EXIT} with
 *       its token: {@code use OK|STALE}, {@code exit OK|STALE}.
 * </ul>
 *
 * <p>Neither checks {@link Lease#isHeld()} before talking to the resource: whatever the holder
 * believes, the resource must refuse a stale token.
 */
public final class RedisWorkerMain {

  private RedisWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[4];
    BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (RedisSemaphore semaphore =
            RedisSemaphore.builder(args[0])
                .name(args[1])
                .limit(1)
                .lease(Duration.ofMillis(Long.parseLong(args[2])))
                .build();
        Connection resource = new Connection(Integer.parseInt(args[3]))) {
      System.out.println("ready");
      if (stdin.readLine() == null) {
        return; // the test gave up
      }
      switch (mode) {
        case "worker" -> work(semaphore, resource, stdin);
        case "victim" -> beStopped(semaphore, resource, stdin);
        default -> throw new IllegalArgumentException("mode worker or victim, not " + mode);
      }
    }
  }

  private static void work(RedisSemaphore semaphore, Connection resource, BufferedReader stdin)
      throws Exception {
    Thread untilEndOfInput =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try {
                    while (stdin.readLine() != null) {
                      // until the test closes it
                    }
                  } catch (IOException closed) {
                    // the same: stop
                  }
                });
    long entries = 0;
    long stale = 0;
    while (untilEndOfInput.isAlive()) {
      try (Lease lease = semaphore.acquire()) {
        long token = lease.token();
        for (String command : new String[] {"ENTER", "USE", "EXIT"}) {
          String reply = resource.call(command + " " + token);
          if (!reply.equals("OK")) {
            stale++;
            System.out.println("refused " + command + " " + token + ": " + reply);
          } else if (command.equals("ENTER")) {
            entries++;
          }
        }
      }
    }
    System.out.println("done entries " + entries + " stale " + stale);
  }

  private static void beStopped(
      RedisSemaphore semaphore, Connection resource, BufferedReader stdin) throws Exception {
    try (Lease lease = semaphore.acquire()) {
      long token = lease.token();
      String entered = resource.call("ENTER " + token);
      if (!entered.equals("OK")) {
        throw new IllegalStateException("ENTER " + token + " refused: " + entered);
      }
      System.out.println("inside " + token);
      stdin.readLine(); // stopped and continued meanwhile
      boolean lost; // by the watchdog: nothing here asks isHeld() first
      try {
        lease.lost().get(20, TimeUnit.SECONDS);
        lost = true;
      } catch (TimeoutException notLost) {
        lost = false;
      }
      System.out.println("lost: " + lost);
      System.out.println("isHeld " + lease.isHeld());
      System.out.println("use " + resource.call("USE " + token));
      System.out.println("exit " + resource.call("EXIT " + token));
    }
  }

  /** One connection to the resource: a command line out, a reply line back. */
  private static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final PrintWriter out;

    Connection(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    String call(String command) throws IOException {
      out.println(command);
      String reply = in.readLine();
      if (reply == null) {
        throw new IOException("the resource closed the connection after " + command);
      }
      return reply;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
