import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on 127.0.0.1 that adds a round-trip latency, for bench/async-throughput.sh's
 * STORE=s3: {@code java bench/DelayProxy.java TARGET_PORT DELAY_MS}. It prints {@code PORT=<n>}
 * (the port it listens on) and {@code READY}, then forwards every connection to
 * 127.0.0.1:TARGET_PORT until it is stopped.
 *
 * <p>The delay models a store DELAY_MS away: a new connection waits DELAY_MS (the TCP handshake),
 * and so does the first chunk a client sends after it has received something (a new request on a
 * kept-alive connection, or a request body after {@code 100 Continue}). Bytes within one request
 * or response flow at once, so the delay is per round trip, not per byte.
 */
public final class DelayProxy {
  private DelayProxy() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: DelayProxy TARGET_PORT DELAY_MS");
    }
    int target = Integer.parseInt(args[0]);
    long delay = Long.parseLong(args[1]);
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(loopback, 0), 256);
      System.out.println("PORT=" + server.getLocalPort());
      System.out.println("READY");
      System.out.flush();
      while (true) {
        Socket client = server.accept();
        Thread t =
            new Thread(
                () -> {
                  try (client;
                      Socket upstream = new Socket(loopback, target)) {
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    Thread.sleep(delay);
                    AtomicBoolean answered = new AtomicBoolean(false);
                    Thread back =
                        new Thread(
                            () -> pump(upstream, client, 0, answered, true), "proxy-response");
                    back.setDaemon(true);
                    back.start();
                    pump(client, upstream, delay, answered, false);
                    back.join();
                  } catch (IOException | InterruptedException e) {
                    // a connection that ends badly just ends; the client sees it
                  }
                },
                "proxy-request");
        t.setDaemon(true);
        t.start();
      }
    }
  }

  /**
   * Copies {@code from} to {@code to}. A request side ({@code response} false) waits {@code delay}
   * ms before the first chunk after the other side has answered.
   */
  private static void pump(
      Socket from, Socket to, long delay, AtomicBoolean answered, boolean response) {
    byte[] buffer = new byte[64 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (response) {
          answered.set(true);
        } else if (answered.getAndSet(false)) {
          Thread.sleep(delay);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException | InterruptedException e) {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
