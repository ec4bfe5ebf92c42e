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
 * A TCP proxy on a free loopback port in front of a server, for tests of lost commands: while
 * {@link #hold() held}, what clients send is read but not passed on; {@link #dropAll()} then
 * closes every connection, so the held bytes never reach the server, as when a connection is
 * reset with a command on its way. New connections (a client reconnecting) are forwarded again
 * after {@link #pass()}.
 *
 * <p>Implementation notes. Two virtual threads per connection copy the bytes each way. The
 * upstream copier, having read bytes, waits while the proxy holds, counting them in {@code
 * heldBytes}, until the proxy passes again or drops the connection (both signal {@code
 * changed}); if the connection was dropped it ends without writing them.
 */
final class HoldingProxy implements AutoCloseable {

  private record Link(Socket client, Socket server) {}

  private final ServerSocket listener;
  private final int serverPort;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final AtomicLong heldBytes = new AtomicLong();
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

  /**
   * Resets every connection (RST, as when a server closes a connection with a command unread:
   * Lettuce then fails the commands on their way instead of sending them again); bytes held back
   * are lost.
   */
  void dropAll() {
    for (Link link : links) {
      links.remove(link);
      try {
        link.client().setSoLinger(true, 0); // close sends a reset
      } catch (IOException alreadyClosed) {
        // nothing to reset
      }
      closeQuietly(link.client());
      closeQuietly(link.server());
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
        Thread.ofVirtual().start(() -> copy(link, client, server, true));
        Thread.ofVirtual().start(() -> copy(link, server, client, false));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void copy(Link link, Socket from, Socket to, boolean upstream) {
    byte[] buffer = new byte[8192];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (upstream && !awaitPassing(n, link)) {
          return; // dropped while held: the bytes are lost
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException closed) {
      // the connection was dropped or closed
    } finally {
      links.remove(link);
      closeQuietly(link.client());
      closeQuietly(link.server());
    }
  }

  /** Waits while held; false if the connection was dropped meanwhile. */
  private boolean awaitPassing(int bytes, Link link) throws InterruptedException {
    lock.lock();
    try {
      if (holding) {
        heldBytes.addAndGet(bytes);
      }
      while (holding && !link.client().isClosed()) {
        changed.await();
      }
    } finally {
      lock.unlock();
    }
    return !link.client().isClosed();
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
