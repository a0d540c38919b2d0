import net from "node:net";

/**
 * A TCP proxy in front of PostgreSQL that can simulate a *hanging* database:
 * in "hang" mode it accepts connections and swallows bytes without ever
 * answering (a black-holed or frozen host), and stalls existing connections too.
 */
export class HangableProxy {
  private server = net.createServer((c) => this.onConnection(c));
  private pairs = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  mode: "forward" | "hang" = "forward";
  port = 0;
  /** Frozen sockets whose peer half-closed them (sent FIN) and that this proxy kept open. */
  halfClosedByPeer = 0;

  constructor(private targetPort: number) {}

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private onConnection(client: net.Socket) {
    const pair: { client: net.Socket; upstream?: net.Socket } = { client };
    this.pairs.add(pair);
    client.on("error", () => undefined);
    client.on("close", () => {
      this.pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (this.mode === "hang") {
      client.resume(); // read and drop: the peer sees an open socket that never replies
      return;
    }
    const upstream = net.connect(this.targetPort, "127.0.0.1");
    pair.upstream = upstream;
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Freeze: new connections hang, established ones stop delivering replies. */
  hang() {
    this.mode = "hang";
    for (const p of this.pairs) p.upstream?.unpipe(p.client);
  }

  /**
   * Freeze completely: nothing is forwarded either way and no socket is ever closed or ended,
   * so a client that sends Terminate and waits for the server to close waits forever (a
   * database that hung, or a socket the server half-closed and never finished).
   */
  freeze() {
    this.mode = "hang";
    for (const p of this.pairs) {
      p.upstream?.unpipe(p.client);
      p.client.unpipe(p.upstream!);
      // Half-open: when the app half-closes (sends FIN after Terminate), never finish the close
      // (by default Node answers a FIN with its own, which would let the app's socket go).
      p.client.allowHalfOpen = true;
      p.client.once("end", () => this.halfClosedByPeer++);
      p.client.resume();
      p.upstream?.removeAllListeners("close");
      p.upstream?.on("error", () => undefined);
    }
    this.server.removeAllListeners("connection");
    this.server.on("connection", (c: net.Socket) => {
      c.allowHalfOpen = true;
      c.once("end", () => this.halfClosedByPeer++);
      c.on("error", () => undefined);
      c.resume();
      this.pairs.add({ client: c });
    });
  }

  /** The database "comes back": stalled sockets are reset, new ones forward again. */
  recover() {
    this.mode = "forward";
    for (const p of this.pairs) p.client.destroy();
  }

  async close() {
    for (const p of this.pairs) p.client.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
