/**
 * One TCP connection to one broker. Requests are pipelined: each gets a correlation id and up to
 * `maxInFlightRequests` wait for their responses at once (Kafka answers in order per connection);
 * more wait for a free slot. The first request is ApiVersions, whose answer fixes the version of
 * every later request (the highest both sides support). A request that gets no answer within its
 * timeout fails with RequestTimeoutError and closes the connection, as Kafka's NetworkClient does:
 * the responses behind it can no longer be matched safely. A connection is never reopened; the
 * cluster makes a new one.
 */
import { connect as netConnect, type Socket } from 'node:net';
import {
  ApiKey,
  FrameDecoder,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  type ApiKeyNumber,
  type RequestInputOf,
  type ResponseOf,
} from '@gregor/protocol';
import { ConnectionError, KafkaError, RequestTimeoutError, UnsupportedVersionError } from '../errors.js';
import { CLIENT_VERSIONS, pickVersion, type VersionRange } from './versions.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxInFlightRequests: number;
}

/** A body, or a builder given the negotiated version (for APIs whose shape changed across versions). */
export type RequestBody<K extends ApiKeyNumber> = RequestInputOf<K> | ((version: number) => RequestInputOf<K>);

export interface SendOptions {
  /** Overrides the connection's request timeout (e.g. a long-polling Fetch adds its wait). */
  timeoutMs?: number;
  /** Caps the negotiated version (e.g. Fetch below v13 when a topic has no id). */
  maxVersion?: number;
}

interface Pending {
  apiKey: ApiKeyNumber;
  version: number;
  resolve(body: unknown): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

const SOFTWARE_NAME = 'gregor-client';
const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));
/** Kafka's name of an API (`ElectLeaders`), for messages. */
export const apiName = (apiKey: number): string => API_NAMES.get(apiKey) ?? `API ${apiKey}`;
const SOFTWARE_VERSION = '0.1.0';

export class BrokerConnection {
  readonly address: string;
  private socket: Socket | null = null;
  private readonly decoder = new FrameDecoder();
  private nextCorrelationId = 0;
  private readonly inFlight = new Map<number, Pending>();
  private slotWaiters: (() => void)[] = [];
  private readonly brokerVersions = new Map<number, VersionRange>();
  private connecting: Promise<void> | null = null;
  private closedWith: KafkaError | null = null;
  private readonly closeListeners: ((error: KafkaError) => void)[] = [];

  constructor(private readonly options: ConnectionOptions) {
    this.address = `${options.host}:${options.port}`;
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Called once when the connection closes, for whatever reason. */
  onClose(listener: (error: KafkaError) => void): void {
    this.closeListeners.push(listener);
  }

  /** Opens the socket and negotiates versions; idempotent. */
  connect(): Promise<void> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  private async open(): Promise<void> {
    const { host, port, connectTimeoutMs } = this.options;
    const socket = netConnect({ host, port, noDelay: true });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(new ConnectionError(this.address, e.message, e)));
    socket.on('close', () => this.close(new ConnectionError(this.address, 'connection closed')));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const e = new ConnectionError(this.address, `connect timed out after ${connectTimeoutMs} ms`);
        this.close(e);
        reject(e);
      }, connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.closeListeners.push((e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    await this.negotiateVersions();
  }

  /**
   * ApiVersions at the highest version we speak. A broker that does not know it answers in v0
   * with UNSUPPORTED_VERSION and its own range for ApiVersions, and we ask again at that.
   */
  private async negotiateVersions(): Promise<void> {
    let version = CLIENT_VERSIONS[ApiKey.ApiVersions]!.max;
    for (let attempt = 0; attempt < 2; attempt++) {
      const body = version >= 3 ? { clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION } : {};
      const res = await this.sendAt(ApiKey.ApiVersions, version, body, this.options.requestTimeoutMs, true);
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const own = res.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        version = Math.min(own?.maxVersion ?? 0, version - 1);
        continue;
      }
      if (res.errorCode !== ErrorCode.NONE)
        throw new KafkaError(res.errorCode, 'ApiVersions', { broker: this.address });
      for (const k of res.apiKeys) this.brokerVersions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
      return;
    }
    throw new UnsupportedVersionError(this.address, 'no ApiVersions version in common');
  }

  /** The version a request for `apiKey` will use, or undefined when there is none in common. */
  versionOf(apiKey: ApiKeyNumber): number | undefined {
    return pickVersion(CLIENT_VERSIONS[apiKey], this.brokerVersions.get(apiKey));
  }

  /** The broker's own range for an API (after connect), for callers that care about its bounds. */
  brokerRange(apiKey: ApiKeyNumber): VersionRange | undefined {
    return this.brokerVersions.get(apiKey);
  }

  /** Sends a request at the negotiated version and resolves with the response body. */
  async send<K extends ApiKeyNumber>(
    apiKey: K,
    body: RequestBody<K>,
    options: SendOptions = {},
  ): Promise<ResponseOf<K>> {
    await this.connect();
    let version = this.requireVersion(apiKey);
    if (options.maxVersion !== undefined) {
      if (
        options.maxVersion < this.brokerVersions.get(apiKey)!.min ||
        options.maxVersion < CLIENT_VERSIONS[apiKey]!.min
      )
        throw new UnsupportedVersionError(this.address, `API ${apiKey} below version ${options.maxVersion + 1}`);
      version = Math.min(version, options.maxVersion);
    }
    const input = typeof body === 'function' ? body(version) : body;
    return this.sendAt(apiKey, version, input, options.timeoutMs ?? this.options.requestTimeoutMs, true);
  }

  /** Sends a request the broker does not answer (Produce with acks=0); resolves once written. */
  async sendNoResponse<K extends ApiKeyNumber>(apiKey: K, body: RequestBody<K>): Promise<void> {
    await this.connect();
    const version = this.requireVersion(apiKey);
    const input = typeof body === 'function' ? body(version) : body;
    await this.sendAt(apiKey, version, input, this.options.requestTimeoutMs, false);
  }

  private requireVersion(apiKey: ApiKeyNumber): number {
    const version = this.versionOf(apiKey);
    if (version === undefined) {
      const b = this.brokerVersions.get(apiKey);
      const c = CLIENT_VERSIONS[apiKey];
      throw new UnsupportedVersionError(
        this.address,
        b
          ? `${apiName(apiKey)} (API ${apiKey}): broker supports versions ${b.min}-${b.max}, client ${c ? `${c.min}-${c.max}` : 'none'}`
          : `the broker does not support ${apiName(apiKey)} (API ${apiKey})`,
        b ? undefined : { key: apiKey, name: apiName(apiKey) },
      );
    }
    return version;
  }

  private async sendAt<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestInputOf<K>,
    timeoutMs: number,
    expectResponse: true,
  ): Promise<ResponseOf<K>>;
  private async sendAt<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestInputOf<K>,
    timeoutMs: number,
    expectResponse: false,
  ): Promise<undefined>;
  private async sendAt<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestInputOf<K>,
    timeoutMs: number,
    expectResponse: boolean,
  ): Promise<ResponseOf<K> | undefined> {
    while (expectResponse && this.inFlight.size >= this.options.maxInFlightRequests && !this.closedWith)
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    if (this.closedWith) throw this.closedWith;
    const socket = this.socket!;
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const chunks = encodeRequest({ apiKey, apiVersion: version, correlationId, clientId: this.options.clientId }, body);
    if (!expectResponse) {
      await new Promise<void>((resolve, reject) => {
        socket.cork();
        for (let i = 0; i < chunks.length; i++)
          socket.write(chunks[i]!, i === chunks.length - 1 ? (e) => (e ? reject(e) : resolve()) : undefined);
        socket.uncork();
      }).catch((e: unknown) => {
        throw new ConnectionError(this.address, 'write failed', e);
      });
      return undefined;
    }
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      const timer = setTimeout(
        () => this.close(new RequestTimeoutError(this.address, `no response to API ${apiKey} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.inFlight.set(correlationId, {
        apiKey,
        version,
        resolve: resolve as (b: unknown) => void,
        reject,
        timer,
      });
      socket.cork();
      for (const c of chunks) socket.write(c);
      socket.uncork();
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.close(new ConnectionError(this.address, `bad response framing: ${(e as Error).message}`, e));
      return;
    }
    for (const frame of frames) {
      const correlationId = frame.readInt32BE(0);
      const pending = this.inFlight.get(correlationId);
      if (!pending) {
        this.close(new ConnectionError(this.address, `response with unknown correlation id ${correlationId}`));
        return;
      }
      this.inFlight.delete(correlationId);
      clearTimeout(pending.timer);
      try {
        pending.resolve(this.decode(pending, frame));
      } catch (e) {
        pending.reject(e);
      }
      this.slotWaiters.shift()?.();
    }
  }

  private decode(pending: Pending, frame: Buffer): unknown {
    try {
      return decodeResponse(pending.apiKey, pending.version, frame).body;
    } catch (e) {
      // A broker refusing our ApiVersions version answers in v0 (Kafka's rule).
      if (pending.apiKey === ApiKey.ApiVersions && pending.version > 0)
        return decodeResponse(ApiKey.ApiVersions, 0, frame).body;
      throw e;
    }
  }

  /** Closes the socket; every request still waiting fails with `error` (retriable by default). */
  close(error: KafkaError = new ConnectionError(this.address, 'closed by the client')): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.socket?.destroy();
    for (const p of this.inFlight.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.inFlight.clear();
    for (const wake of this.slotWaiters.splice(0)) wake();
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }
}
