/**
 * Fetching: one Fetch in flight per leader, for the assigned, unpaused partitions that have a
 * position and less than `maxPollRecords` buffered. The consumer sends the next fetches right
 * after handing records to the application, so the broker's answer is on its way while they are
 * processed. Fetches are sessionless (session id 0, epoch -1): every request names every partition.
 * Topic ids are used from Fetch v13 on; a topic without one caps the version at 12.
 *
 * Leader changes (as Kafka's consumer, KIP-320): each partition is fetched with the leader epoch
 * the metadata gives, so a deposed leader answers FENCED_LEADER_EPOCH instead of serving stale
 * data. A partition whose leader answers with a leadership error waits, alone, for the metadata
 * to name another leader or epoch (then it is fetched at once, from its position) or for a
 * backoff; a leader that cannot be reached is backed off as a whole. Other partitions keep flowing.
 */
import { ApiKey, ErrorCode, ZERO_UUID, type FetchResponse } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { KafkaError } from '../errors.js';
import { tpKey } from '../types.js';
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
  leader: number;
  leaderEpoch: number;
}

/** The leader and epoch that answered a partition's fetch with a leadership error, and until when to wait. */
interface LeaderRetry {
  leader: number;
  leaderEpoch: number;
  until: number;
  attempt: number;
}

interface Backoff {
  until: number;
  attempt: number;
}

export class Fetcher {
  private readonly inFlight = new Set<number>();
  /** Leaders whose connection failed, by node id. */
  private readonly leaderBackoff = new Map<number, Backoff>();
  /** Partitions whose leader refused them, by `tpKey`. */
  private readonly partitionRetry = new Map<string, LeaderRetry>();
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
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
    let wakeAt = Infinity;
    for (const s of this.subscriptions.all) {
      if (s.paused || s.fetchPosition === null || s.buffered.length >= this.options.maxBufferedRecords) continue;
      const leader = this.cluster.leaderOf(s.topic, s.partition);
      if (leader === undefined) {
        missing = true;
        continue;
      }
      const retry = this.partitionRetry.get(tpKey(s.topic, s.partition));
      if (retry && retry.until > now && retry.leader === leader && retry.leaderEpoch === this.leaderEpochOf(s)) {
        wakeAt = Math.min(wakeAt, retry.until);
        continue;
      }
      const unreachable = this.leaderBackoff.get(leader)?.until ?? 0;
      if (unreachable > now) {
        wakeAt = Math.min(wakeAt, unreachable);
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(s);
    }
    if (missing) this.cluster.invalidate();
    this.wakeUpAt(wakeAt);
    for (const [leader, states] of byLeader) void this.fetchFrom(leader, states);
  }

  /** The partition's leader epoch in the metadata, -1 when unknown. */
  private leaderEpochOf(s: PartitionState): number {
    return this.cluster.metadata.topics.get(s.topic)?.partitions[s.partition]?.leaderEpoch ?? -1;
  }

  /** Wakes the poll when a backoff ends, so a waiting poll fetches again without waiting out its timeout. */
  private wakeUpAt(at: number): void {
    if (at === Infinity || at >= this.wakeAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        this.wakeAt = Infinity;
        this.notify();
      },
      Math.max(0, at - Date.now()),
    );
    this.wakeTimer.unref();
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
      const r = {
        state,
        offset: state.fetchPosition!,
        generation: state.generation,
        leader,
        leaderEpoch: this.leaderEpochOf(state),
      };
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
              currentLeaderEpoch: r.leaderEpoch,
              fetchOffset: BigInt(r.offset),
              partitionMaxBytes: o.maxPartitionBytes,
            })),
          })),
        }),
        { timeoutMs: this.cluster.options.requestTimeoutMs + o.maxWaitMs, ...(useIds ? {} : { maxVersion: 12 }) },
      );
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, 'Fetch');
      this.leaderBackoff.delete(leader);
      this.handleResponse(res, requested, names);
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) {
        this.leaderBackoff.set(leader, this.nextBackoff(this.leaderBackoff.get(leader)));
        this.cluster.invalidate();
      } else this.errors.push(e);
    } finally {
      this.inFlight.delete(leader);
      this.notify();
    }
  }

  private nextBackoff(previous: Backoff | undefined): Backoff {
    const attempt = previous ? previous.attempt + 1 : 0;
    const { retryBackoffMs, retryBackoffMaxMs } = this.cluster.options;
    return { until: Date.now() + backoffMs(attempt, retryBackoffMs, retryBackoffMaxMs), attempt };
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
        if (p.errorCode !== ErrorCode.NONE && REFRESH_METADATA.has(p.errorCode)) {
          const key = tpKey(topic, p.partitionIndex);
          this.partitionRetry.set(key, {
            leader: r.leader,
            leaderEpoch: r.leaderEpoch,
            ...this.nextBackoff(this.partitionRetry.get(key)),
          });
          this.cluster.invalidate();
          continue;
        }
        this.partitionRetry.delete(tpKey(topic, p.partitionIndex));
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
        } else {
          this.errors.push(new KafkaError(p.errorCode, `fetch offset ${r.offset}`, context));
        }
      }
    }
  }
}
