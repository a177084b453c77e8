/**
 * A minimal Kafka client over a raw socket, for tests that need exact requests (any API and
 * version, malformed bytes) rather than what a full client library chooses to send.
 */
import { connect, type Socket } from 'node:net';
import {
  decodeResponse,
  encodeRequest,
  FrameDecoder,
  peekRequestPreamble,
  type ApiKeyNumber,
  type RequestInputOf,
  type ResponseOf,
} from '@gregor/protocol';

export class RawClient {
  private readonly frames = new FrameDecoder(256 * 1024 * 1024);
  private readonly waiting = new Map<number, { resolve: (frame: Buffer) => void; reject: (err: Error) => void }>();
  private correlationId = 0;
  private closedWith: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.frames.push(chunk)) {
        const id = frame.readInt32BE(0);
        const pending = this.waiting.get(id);
        this.waiting.delete(id);
        pending?.resolve(frame);
      }
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        for (const pending of this.waiting.values())
          pending.reject(this.closedWith ?? new Error('connection closed before the response'));
        this.waiting.clear();
        resolve();
      }),
    );
    socket.on('error', (err) => (this.closedWith = err));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves with the decoded response body. */
  async request<K extends ApiKeyNumber>(
    apiKey: K,
    apiVersion: number,
    body: RequestInputOf<K>,
  ): Promise<ResponseOf<K>> {
    const frame = await this.send(
      Buffer.concat(
        encodeRequest({ apiKey, apiVersion, correlationId: ++this.correlationId, clientId: 'raw-client' }, body),
      ),
    );
    return decodeResponse(apiKey, apiVersion, frame).body;
  }

  /** Sends bytes that already carry a size prefix; resolves with the response frame for its correlation id. */
  send(bytes: Buffer): Promise<Buffer> {
    const { correlationId } = peekRequestPreamble(bytes.subarray(4));
    this.correlationId = Math.max(this.correlationId, correlationId);
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return reject(new Error('connection closed'));
      this.waiting.set(correlationId, { resolve, reject });
      this.socket.write(bytes);
    });
  }

  /** Writes bytes without expecting an answer (garbage, truncated frames). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  nextCorrelationId(): number {
    return ++this.correlationId;
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}
