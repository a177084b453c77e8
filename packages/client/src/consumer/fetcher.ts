/**
 * Fetching: one Fetch in flight per leader, for the assigned, unpaused partitions that have a
 * position and less than `maxPollRecords` buffered. The consumer sends the next fetches right
 * after handing records to the application, so the broker's answer is on its way while they are
 * processed. Fetches are sessionless (session id 0, epoch -1): every request names every partition.
 * Topic ids are used from Fetch v13 on; a topic without one caps the version at 12.
 */
import { ApiKey, ErrorCode, ZERO_UUID, type FetchResponse } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { KafkaError } from '../errors.js';
import { backoffMs } from '../util/async.js';
import { decodePartitionRecords } from './records.js';
import type { PartitionState, SubscriptionState } from './subscription.js';

export interface FetcherOptions {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxPartitionBytes: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel: number;
  /** A partition with this many records buffered is not fetched again until some are returned. */
  maxBufferedRecords: number;
}

const REFRESH_METADATA = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
]);

interface Requested {
  state: PartitionState;
  offset: number;
  generation: number;
}

export class Fetcher {
  private readonly inFlight = new Set<number>();
  private readonly backoffUntil = new Map<number, { until: number; attempt: number }>();
  private waiters: (() => void)[] = [];
  private errors: unknown[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly subscriptions: SubscriptionState,
    private readonly options: FetcherOptions,
  ) {}

  /** Errors to raise from the next poll (e.g. OFFSET_OUT_OF_RANGE with reset 'none'). */
  takeErrors(): unknown[] {
    return this.errors.splice(0);
  }

  get fetchesInFlight(): number {
    return this.inFlight.size;
  }

  /** Sends a Fetch to every leader with fetchable partitions and no fetch in flight. */
  sendFetches(): void {
    const now = Date.now();
    const byLeader = new Map<number, PartitionState[]>();
    let missing = false;
    for (const s of this.subscriptions.all) {
      if (s.paused || s.fetchPosition === null || s.buffered.length >= this.options.maxBufferedRecords) continue;
      const leader = this.cluster.leaderOf(s.topic, s.partition);
      if (leader === undefined) {
        missing = true;
        continue;
      }
      if (this.inFlight.has(leader) || (this.backoffUntil.get(leader)?.until ?? 0) > now) continue;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(s);
    }
    if (missing) this.cluster.invalidate();
    for (const [leader, states] of byLeader) void this.fetchFrom(leader, states);
  }

  /** Resolves when a fetch completes, or after `ms`. */
  waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** Wakes everyone waiting in `waitForData` (on close, wakeup, or new data). */
  notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async fetchFrom(leader: number, states: PartitionState[]): Promise<void> {
    this.inFlight.add(leader);
    const requested = new Map<string, Requested>();
    const topics = new Map<string, Requested[]>();
    for (const state of states) {
      const r = { state, offset: state.fetchPosition!, generation: state.generation };
      requested.set(`${state.topic}\u0000${state.partition}`, r);
      let list = topics.get(state.topic);
      if (!list) topics.set(state.topic, (list = []));
      list.push(r);
    }
    const ids = new Map<string, string>();
    for (const topic of topics.keys()) ids.set(topic, this.cluster.metadata.topics.get(topic)?.topicId ?? ZERO_UUID);
    const useIds = [...ids.values()].every((id) => id !== ZERO_UUID);
    const names = new Map([...ids].map(([name, id]) => [id, name]));
    const o = this.options;
    try {
      const conn = await this.cluster.connectionTo(leader);
      const res = await conn.send(
        ApiKey.Fetch,
        (version) => ({
          maxWaitMs: o.maxWaitMs,
          minBytes: o.minBytes,
          maxBytes: o.maxBytes,
          isolationLevel: o.isolationLevel,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...topics].map(([topic, list]) => ({
            ...(version >= 13 ? { topicId: ids.get(topic)! } : { topic }),
            partitions: list.map((r) => ({
              partition: r.state.partition,
              fetchOffset: BigInt(r.offset),
              partitionMaxBytes: o.maxPartitionBytes,
            })),
          })),
        }),
        { timeoutMs: this.cluster.options.requestTimeoutMs + o.maxWaitMs, ...(useIds ? {} : { maxVersion: 12 }) },
      );
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, 'Fetch');
      this.handleResponse(res, requested, names);
      this.backoffUntil.delete(leader);
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) {
        const attempt = (this.backoffUntil.get(leader)?.attempt ?? -1) + 1;
        const { retryBackoffMs, retryBackoffMaxMs } = this.cluster.options;
        this.backoffUntil.set(leader, {
          until: Date.now() + backoffMs(attempt, retryBackoffMs, retryBackoffMaxMs),
          attempt,
        });
        this.cluster.invalidate();
      } else this.errors.push(e);
    } finally {
      this.inFlight.delete(leader);
      this.notify();
    }
  }

  private handleResponse(res: FetchResponse, requested: Map<string, Requested>, names: Map<string, string>): void {
    const readCommitted = this.options.isolationLevel === 1;
    for (const t of res.responses) {
      const topic = t.topicId !== ZERO_UUID && names.has(t.topicId) ? names.get(t.topicId)! : t.topic;
      for (const p of t.partitions) {
        const r = requested.get(`${topic}\u0000${p.partitionIndex}`);
        const state = r && this.subscriptions.get(topic, p.partitionIndex);
        // Unassigned, re-seeked or paused-and-seeked since the request: the data is stale.
        if (!r || state !== r.state || state.generation !== r.generation || state.fetchPosition !== r.offset) continue;
        const context = { topic, partition: p.partitionIndex };
        if (p.errorCode === ErrorCode.NONE) {
          state.highWatermark = Number(p.highWatermark);
          state.lastStableOffset = Number(p.lastStableOffset);
          state.logStartOffset = Number(p.logStartOffset);
          const aborted = p.abortedTransactions?.map((a) => ({
            producerId: Number(a.producerId),
            firstOffset: Number(a.firstOffset),
          }));
          const decoded = decodePartitionRecords(
            topic,
            p.partitionIndex,
            p.records,
            r.offset,
            readCommitted,
            aborted ?? null,
          );
          for (const rec of decoded.records) state.buffered.push(rec);
          if (decoded.nextOffset !== null && decoded.nextOffset > r.offset) state.fetchPosition = decoded.nextOffset;
        } else if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          if (state.reset === 'none' || this.subscriptions.defaultResetIsNone)
            this.errors.push(new KafkaError(p.errorCode, `fetch offset ${r.offset}`, context));
          else this.subscriptions.resetToDefault(state);
        } else if (REFRESH_METADATA.has(p.errorCode)) {
          this.cluster.invalidate();
        } else {
          this.errors.push(new KafkaError(p.errorCode, `fetch offset ${r.offset}`, context));
        }
      }
    }
  }
}
