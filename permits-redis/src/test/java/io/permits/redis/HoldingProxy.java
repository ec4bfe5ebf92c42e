package io.permits.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy on a free loopback port in front of a server, for tests of lost commands and lost
 * replies:
 *
 * <ul>
 *   <li>while {@link #hold() held}, what clients send is read but not passed on; {@link
 *       #dropAll()} then resets every connection, so the held bytes never reach the server, as
 *       when a connection is reset with a command on its way. New connections (a client
 *       reconnecting) are forwarded again after {@link #pass()};
 *   <li>{@link #muteReplies()} makes the connections open now discard what the server sends back
 *       (the commands still reach it and run); {@link #finishAll()} then closes them gracefully
 *       (FIN: Lettuce sends the commands it has no reply for again on its new connection) and
 *       {@link #dropAll()} with a reset (RST: Lettuce fails the command on its way). Connections
 *       opened later are not muted.
 * </ul>
 *
 * <p>Implementation notes. Two virtual threads per connection copy the bytes each way. The
 * upstream copier, having read bytes, waits while the proxy holds, counting them in {@code
 * heldBytes}, until the proxy passes again or drops the connection (both signal {@code
 * changed}); if the connection was dropped it ends without writing them. A finished connection
 * belongs to its upstream copier alone: it discards what the client still sends and closes the
 * client's socket only at the client's own FIN, so that no unread byte turns the close into a
 * reset.
 */
final class HoldingProxy implements AutoCloseable {

  /** One client connection and its connection to the server. */
  private static final class Link {
    final Socket client;
    final Socket server;
    volatile boolean muted; // replies discarded
    volatile boolean finished; // FIN sent to the client; the server side closed

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }
  }

  private final ServerSocket listener;
  private final int serverPort;
  private final List<Link> links = new CopyOnWriteArrayList<>(); // open, not finished
  private final List<Link> finishing = new CopyOnWriteArrayList<>(); // awaiting the client's FIN
  private final AtomicLong heldBytes = new AtomicLong();
  private final AtomicLong mutedBytes = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock(); // guards holding
  private final Condition changed = lock.newCondition(); // holding cleared, or a drop
  private boolean holding;

  HoldingProxy(int serverPort) throws IOException {
    this.serverPort = serverPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("proxy-accept").start(this::accept);
  }

  /** The proxy's URI for a Redis client. */
  String uri() {
    return "redis://127.0.0.1:" + listener.getLocalPort();
  }

  /** From now on, what clients send is kept back. */
  void hold() {
    lock.lock();
    try {
      holding = true;
    } finally {
      lock.unlock();
    }
  }

  /** How many bytes clients sent while held. */
  long heldBytes() {
    return heldBytes.get();
  }

  /** The connections open now discard the server's replies (counted in {@link #mutedBytes}). */
  void muteReplies() {
    links.forEach(link -> link.muted = true);
  }

  /** How many bytes of replies muted connections discarded. */
  long mutedBytes() {
    return mutedBytes.get();
  }

  /** How many connections clients opened so far (reconnections included). */
  long accepted() {
    return accepted.get();
  }

  /**
   * Resets every connection (RST, as when a server closes a connection with a command unread:
   * Lettuce then fails the commands on their way instead of sending them again); bytes held back
   * are lost.
   */
  void dropAll() {
    for (Link link : links) {
      links.remove(link);
      try {
        link.client.setSoLinger(true, 0); // close sends a reset
      } catch (IOException alreadyClosed) {
        // nothing to reset
      }
      closeQuietly(link.client);
      closeQuietly(link.server);
    }
    signal();
  }

  /**
   * Closes every connection gracefully: the server's side is closed and the client is sent a FIN
   * (no reset); bytes held back or replies muted are lost. Lettuce then reconnects and sends
   * again the commands it had no reply for.
   */
  void finishAll() {
    for (Link link : links) {
      links.remove(link);
      finishing.add(link);
      link.finished = true;
      closeQuietly(link.server);
      try {
        link.client.shutdownOutput(); // FIN; the upstream copier closes it at the client's FIN
      } catch (IOException alreadyClosed) {
        // the client is gone already
      }
    }
    signal();
  }

  /** Passes bytes on again. */
  void pass() {
    lock.lock();
    try {
      holding = false;
    } finally {
      lock.unlock();
    }
    signal();
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    closeQuietly(listener);
    dropAll();
    finishing.forEach(this::end);
    pass();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket();
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort));
        Link link = new Link(client, server);
        links.add(link);
        accepted.incrementAndGet();
        Thread.ofVirtual().start(() -> upstream(link));
        Thread.ofVirtual().start(() -> downstream(link));
      } catch (IOException closed) {
        return;
      }
    }
  }

  /** Copies what the client sends to the server, until either side closes. */
  private void upstream(Link link) {
    byte[] buffer = new byte[8192];
    try (InputStream in = link.client.getInputStream();
        OutputStream out = link.server.getOutputStream()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (link.finished) {
          continue; // sent after the FIN: read until the client's own, and lost
        }
        if (!awaitPassing(n, link)) {
          if (link.finished) {
            continue; // finished while held: lost, and read until the client's FIN
          }
          return; // dropped while held: the bytes are lost
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException closed) {
      // the connection was dropped or closed
    } finally {
      end(link);
    }
  }

  /** Copies (or, muted, discards) what the server sends to the client. */
  private void downstream(Link link) {
    byte[] buffer = new byte[8192];
    try (InputStream in = link.server.getInputStream()) {
      OutputStream out = link.client.getOutputStream();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (link.muted) {
          mutedBytes.addAndGet(n);
          continue;
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException closed) {
      // the connection was dropped or closed
    } finally {
      if (!link.finished) { // a finished link's client socket is the upstream copier's to close
        end(link);
      }
    }
  }

  private void end(Link link) {
    links.remove(link);
    finishing.remove(link);
    closeQuietly(link.client);
    closeQuietly(link.server);
  }

  /** Waits while held; false if the connection was dropped meanwhile. */
  private boolean awaitPassing(int bytes, Link link) throws InterruptedException {
    lock.lock();
    try {
      if (holding) {
        heldBytes.addAndGet(bytes);
      }
      while (holding && !link.client.isClosed() && !link.finished) {
        changed.await();
      }
    } finally {
      lock.unlock();
    }
    return !link.client.isClosed() && !link.finished;
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
