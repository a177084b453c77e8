/**
 * A TCP proxy in front of a broker that can lose a response: the request reaches the broker and
 * is processed, but the connection is cut before the answer gets back, which is exactly the case
 * idempotent retries exist for. Point the broker's advertised listener at the proxy so the client
 * reaches the broker only through it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { FrameDecoder } from '@gregor/protocol';

export interface LossyProxy {
  port: number;
  /** The broker's real port (set once it listens). */
  targetPort: number;
  /** Cut the connection instead of delivering the response to the next request with this API key. */
  dropNextResponse(apiKey: number): void;
  /** Responses dropped so far. */
  dropped: number;
  close(): Promise<void>;
}

export async function startLossyProxy(): Promise<LossyProxy> {
  const sockets = new Set<Socket>();
  let dropKey: number | null = null;
  const proxy: LossyProxy = {
    port: 0,
    targetPort: 0,
    dropped: 0,
    dropNextResponse(apiKey) {
      dropKey = apiKey;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: proxy.targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const requests = new FrameDecoder();
    const responses = new FrameDecoder();
    const doomed = new Set<number>();
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        const apiKey = frame.readInt16BE(0);
        const correlationId = frame.readInt32BE(4);
        if (dropKey === apiKey) {
          doomed.add(correlationId);
          dropKey = null;
        }
        const sized = Buffer.allocUnsafe(4);
        sized.writeInt32BE(frame.length);
        upstream.write(Buffer.concat([sized, frame]));
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const frame of responses.push(chunk)) {
        if (doomed.has(frame.readInt32BE(0))) {
          proxy.dropped++;
          kill();
          return;
        }
        const sized = Buffer.allocUnsafe(4);
        sized.writeInt32BE(frame.length);
        client.write(Buffer.concat([sized, frame]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  return proxy;
}
