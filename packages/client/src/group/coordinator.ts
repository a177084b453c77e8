/**
 * Finding a group's coordinator (FindCoordinator) and talking to it. Errors saying the
 * coordinator moved or is not ready (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a closed
 * connection) forget it, so the next request looks it up again: that is coordinator failover.
 *
 * Group members use a dedicated connection (`dedicated`), as Kafka's consumer does: a JoinGroup
 * can wait for the whole rebalance, and fetches to the same broker must not queue behind it.
 */
import { ApiKey, ErrorCode, type ApiKeyNumber, type ResponseOf } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { KafkaError } from '../errors.js';
import type { BrokerConnection, RequestBody, SendOptions } from '../network/connection.js';
import { backoffMs, sleep } from '../util/async.js';

/** Codes that mean "ask FindCoordinator again". */
export const COORDINATOR_MOVED = new Set<number>([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
]);

/** Codes worth retrying against the same coordinator after a pause. */
export const COORDINATOR_BUSY = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

export class GroupCoordinator {
  private conn: BrokerConnection | null = null;
  private finding: Promise<BrokerConnection> | null = null;
  /** Node id of the coordinator last found, -1 before. */
  nodeId = -1;

  constructor(
    private readonly cluster: Cluster,
    readonly groupId: string,
    private readonly dedicated: boolean,
  ) {}

  /** The coordinator's connection, looked up when unknown (retrying until the request timeout). */
  connection(): Promise<BrokerConnection> {
    if (this.conn && !this.conn.isClosed) return Promise.resolve(this.conn);
    this.finding ??= this.find().finally(() => {
      this.finding = null;
    });
    return this.finding;
  }

  /** Forgets the coordinator (it moved, or its connection failed). */
  markUnknown(): void {
    if (this.dedicated) this.conn?.close();
    this.conn = null;
  }

  /**
   * Sends a request to the coordinator. Network failures forget it and are rethrown; the
   * caller decides about retries from the response's error codes (see `COORDINATOR_MOVED`).
   */
  async send<K extends ApiKeyNumber>(apiKey: K, body: RequestBody<K>, options?: SendOptions): Promise<ResponseOf<K>> {
    const conn = await this.connection();
    try {
      return await conn.send(apiKey, body, options);
    } catch (e) {
      if (e instanceof KafkaError && COORDINATOR_MOVED.has(e.code)) this.markUnknown();
      throw e;
    }
  }

  /** Looks at a response's error code: forgets a moved coordinator; true when a retry may succeed. */
  shouldRetry(code: number): boolean {
    if (COORDINATOR_MOVED.has(code)) {
      this.markUnknown();
      return true;
    }
    return COORDINATOR_BUSY.has(code);
  }

  close(): void {
    if (this.dedicated) this.conn?.close();
    this.conn = null;
  }

  private async find(): Promise<BrokerConnection> {
    const deadline = Date.now() + this.cluster.options.requestTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      let error: KafkaError;
      try {
        const conn = await this.cluster.anyConnection();
        const res = await conn.send(ApiKey.FindCoordinator, (version) =>
          version >= 4 ? { keyType: 0, coordinatorKeys: [this.groupId] } : { key: this.groupId, keyType: 0 },
        );
        const c = res.coordinators.length > 0 ? res.coordinators[0]! : res;
        if (c.errorCode === ErrorCode.NONE) {
          this.nodeId = c.nodeId;
          const next = this.dedicated
            ? this.cluster.openConnection(c.host, c.port)
            : await this.cluster.refreshMetadata().then(() => this.cluster.connectionTo(c.nodeId));
          await next.connect();
          this.conn = next;
          return next;
        }
        error = new KafkaError(c.errorCode, `FindCoordinator for group ${this.groupId}: ${c.errorMessage ?? ''}`);
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        error = e;
      }
      if (!error.retriable || Date.now() >= deadline) throw error;
      const { retryBackoffMs, retryBackoffMaxMs } = this.cluster.options;
      await sleep(backoffMs(attempt, retryBackoffMs, retryBackoffMaxMs));
    }
  }
}
