/**
 * One client connection: frames in, requests answered one at a time in arrival order (as Kafka
 * mutes a channel while its request is in flight), responses out with writev. Reading pauses
 * while requests queue up or the socket's send buffer is full, so a fast client cannot make the
 * broker buffer without bound. Anything malformed closes this connection only.
 */
import type { Socket } from 'node:net';
import {
  ApiKey,
  decodeRequest,
  encodeResponse,
  ErrorCode,
  FrameDecoder,
  peekRequestPreamble,
  ProtocolError,
  type ApiKeyNumber,
} from '@gregor/protocol';
import type { Logger } from 'pino';
import type { Broker } from '../broker.js';
import type { Handler, RequestContext } from '../handlers/handler.js';

/** Frames waiting behind the one being handled before reading pauses. */
const MAX_QUEUED_FRAMES = 64;

export class Connection {
  private readonly frames: FrameDecoder;
  private readonly queue: Buffer[] = [];
  private processing = false;
  private closed = false;
  private readonly abort = new AbortController();
  readonly id: string;

  constructor(
    private readonly socket: Socket,
    private readonly broker: Broker,
    private readonly logger: Logger,
    id: number,
  ) {
    this.id = `${socket.remoteAddress}:${socket.remotePort}-${id}`;
    this.frames = new FrameDecoder(broker.config.int('socket.request.max.bytes'));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.logger.debug({ err, connection: this.id }, 'socket error'));
    socket.on('close', () => this.onClose());
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.fail(err, 'unreadable frame');
      return;
    }
    if (frames.length === 0) return;
    this.queue.push(...frames);
    if (this.queue.length > MAX_QUEUED_FRAMES) this.socket.pause();
    if (!this.processing) void this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const frame = this.queue.shift()!;
        await this.handle(frame);
        if (this.socket.writableNeedDrain)
          await new Promise<void>((resolve) => {
            const done = (): void => {
              this.socket.off('drain', done).off('close', done);
              resolve();
            };
            this.socket.on('drain', done).on('close', done);
          });
        if (this.queue.length <= MAX_QUEUED_FRAMES / 2 && this.socket.isPaused()) this.socket.resume();
      }
    } finally {
      this.processing = false;
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    const started = process.hrtime.bigint();
    let preamble;
    try {
      preamble = peekRequestPreamble(frame);
    } catch (err) {
      this.fail(err, 'request too short for a header');
      return;
    }
    const handler = this.broker.handlers.get(preamble.apiKey);
    if (!handler) {
      this.fail(new Error(`API key ${preamble.apiKey} is not supported`), 'unsupported API key');
      return;
    }
    if (preamble.apiVersion < handler.minVersion || preamble.apiVersion > handler.maxVersion) {
      if (preamble.apiKey === ApiKey.ApiVersions) {
        // KIP-511: answer an unknown ApiVersions version with v0 and the versions we do support.
        this.send(ApiKey.ApiVersions, 0, preamble.correlationId, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: this.broker.apiVersions(),
        });
        return;
      }
      this.fail(
        new Error(
          `version ${preamble.apiVersion} of API ${preamble.apiKey} is outside ${handler.minVersion}-${handler.maxVersion}`,
        ),
        'unsupported API version',
      );
      return;
    }
    let decoded;
    try {
      decoded = decodeRequest(frame);
    } catch (err) {
      this.fail(err, 'malformed request');
      return;
    }
    const ctx: RequestContext = {
      apiVersion: decoded.apiVersion,
      header: decoded.header,
      connectionId: this.id,
      clientAddress: this.socket.remoteAddress ?? '',
      signal: this.abort.signal,
      broker: this.broker,
    };
    let response;
    try {
      response = await (handler as Handler).handle(ctx, decoded.body as never);
    } catch (err) {
      this.logger.error({ err, apiKey: decoded.apiKey, connection: this.id }, 'request handler failed');
      this.close();
      return;
    }
    this.broker.metrics.observeRequest(decoded.apiKey, frame.length, started);
    if (response !== null && !this.closed)
      this.send(decoded.apiKey, decoded.apiVersion, preamble.correlationId, response);
  }

  private send(apiKey: ApiKeyNumber, apiVersion: number, correlationId: number, body: unknown): void {
    let chunks: Buffer[];
    try {
      chunks = encodeResponse(apiKey, apiVersion, correlationId, body as never);
    } catch (err) {
      // A response this version cannot express is the broker's bug; the client gets a closed
      // connection (and retries), never a broken frame, and the broker carries on.
      this.logger.error({ err, apiKey, apiVersion, connection: this.id }, 'cannot encode response');
      this.close();
      return;
    }
    this.socket.cork();
    let bytes = 0;
    for (const c of chunks) {
      this.socket.write(c);
      bytes += c.length;
    }
    this.socket.uncork();
    this.broker.metrics.bytesOut.inc(bytes);
  }

  /** Closes this connection after a protocol violation; the broker and other clients carry on. */
  private fail(err: unknown, why: string): void {
    const message = err instanceof ProtocolError || err instanceof Error ? err.message : String(err);
    this.logger.warn({ connection: this.id, reason: message }, `closing connection: ${why}`);
    this.broker.metrics.protocolErrors.inc();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.abort.abort();
    this.socket.destroy();
  }

  private onClose(): void {
    this.closed = true;
    this.abort.abort();
    this.broker.connectionClosed(this);
  }
}
