/**
 * The controller's connections to the brokers (Kafka's `ControllerChannelManager`): one queue per
 * broker, so each broker sees the controller's requests in the order they were made, retried
 * until they are answered or the broker leaves the cluster. Built on the client's connection
 * layer, like every broker-to-broker request.
 */
import { BrokerConnection, type RequestBody } from '@gregor/client';
import type { ApiKeyNumber, ResponseOf } from '@gregor/protocol';
import type { Logger } from 'pino';

export interface ChannelEndpoint {
  host: string;
  port: number;
}

interface BrokerQueue {
  endpoint: ChannelEndpoint;
  connection: BrokerConnection;
  tail: Promise<unknown>;
  removed: boolean;
}

export class ControllerChannel {
  private readonly queues = new Map<number, BrokerQueue>();

  constructor(
    private readonly selfId: number,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
    private readonly retryBackoffMs = 100,
  ) {}

  /** Starts talking to `brokerId` (again, when its endpoint changed). */
  addBroker(brokerId: number, endpoint: ChannelEndpoint): void {
    const existing = this.queues.get(brokerId);
    if (existing && existing.endpoint.host === endpoint.host && existing.endpoint.port === endpoint.port) return;
    if (existing) this.removeBroker(brokerId);
    this.queues.set(brokerId, {
      endpoint,
      connection: this.connect(endpoint),
      tail: Promise.resolve(),
      removed: false,
    });
  }

  /** Stops talking to `brokerId`: queued requests to it are dropped. */
  removeBroker(brokerId: number): void {
    const q = this.queues.get(brokerId);
    if (!q) return;
    q.removed = true;
    q.connection.close();
    this.queues.delete(brokerId);
  }

  brokers(): number[] {
    return [...this.queues.keys()];
  }

  /**
   * Queues a request to `brokerId`; resolves with its response, or undefined when the broker was
   * removed (or the channel closed) before it answered.
   */
  send<K extends ApiKeyNumber>(brokerId: number, apiKey: K, body: RequestBody<K>): Promise<ResponseOf<K> | undefined> {
    const q = this.queues.get(brokerId);
    if (!q) return Promise.resolve(undefined);
    const run = async (): Promise<ResponseOf<K> | undefined> => {
      for (let attempt = 0; !q.removed; attempt++) {
        try {
          return await q.connection.send(apiKey, body);
        } catch (err) {
          if (q.removed) break;
          if (attempt % 50 === 0)
            this.logger.warn(
              { err, broker: brokerId, apiKey },
              `controller request to broker ${brokerId} failed; retrying`,
            );
          q.connection.close();
          q.connection = this.connect(q.endpoint);
          await new Promise((r) => setTimeout(r, this.retryBackoffMs));
        }
      }
      return undefined;
    };
    const result = q.tail.then(run, run);
    q.tail = result.catch(() => undefined);
    return result;
  }

  close(): void {
    for (const id of [...this.queues.keys()]) this.removeBroker(id);
  }

  private connect(endpoint: ChannelEndpoint): BrokerConnection {
    return new BrokerConnection({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `gregor-controller-${this.selfId}`,
      connectTimeoutMs: Math.min(this.requestTimeoutMs, 10_000),
      requestTimeoutMs: this.requestTimeoutMs,
      maxInFlightRequests: 1,
    });
  }
}
