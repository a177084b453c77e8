/**
 * Helpers for the consumer group tests: a broker set up for quick rebalances, group members
 * that poll in the background and record what they were assigned, revoked and read, and
 * waiting until a condition holds.
 */
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import {
  Consumer,
  tpKey,
  type ConsumerOptions,
  type ConsumerRecord,
  type LeaveMode,
  type SubscriptionSpec,
  type TopicPartition,
} from '../../src/index.js';

/** No initial rebalance delay, short sessions allowed, few offsets partitions, quick KIP-848 heartbeats. */
export const startGroupBroker = (overrides: Record<string, string> = {}): Promise<TestBroker> =>
  startTestBroker({
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '1000',
    'offsets.topic.num.partitions': '4',
    'group.consumer.heartbeat.interval.ms': '200',
    'group.consumer.session.timeout.ms': '3000',
    ...overrides,
  });

/** Consumer options that make rebalances take well under a second. */
export const fastGroup = (bootstrap: string, groupId: string, o: Partial<ConsumerOptions> = {}): ConsumerOptions => ({
  brokers: [bootstrap],
  groupId,
  autoOffsetReset: 'earliest',
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 200,
  rebalanceTimeoutMs: 10_000,
  maxWaitMs: 100,
  ...o,
});

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A consumer polling in the background, recording assignments, revocations and records. */
export class Member {
  readonly consumer: Consumer;
  readonly records: ConsumerRecord[] = [];
  readonly assignedEvents: TopicPartition[][] = [];
  readonly revokedEvents: TopicPartition[][] = [];
  readonly lostEvents: TopicPartition[][] = [];
  error: unknown = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    options: ConsumerOptions,
    private readonly afterPoll: (m: Member, records: ConsumerRecord[]) => Promise<void> = async () => {},
  ) {
    this.consumer = new Consumer(options);
  }

  start(topics: SubscriptionSpec): this {
    this.consumer.subscribe(topics, {
      onPartitionsAssigned: (tps) => void this.assignedEvents.push(tps),
      onPartitionsRevoked: (tps) => void this.revokedEvents.push(tps),
      onPartitionsLost: (tps) => void this.lostEvents.push(tps),
    });
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          const records = await this.consumer.poll(100);
          for (const r of records) this.records.push(r);
          await this.afterPoll(this, records);
        } catch (e) {
          this.error = e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    return this;
  }

  /** The partitions currently assigned, as sorted `topic-partition` strings. */
  get owned(): string[] {
    return this.consumer
      .assignment()
      .map((tp) => `${tp.topic}-${tp.partition}`)
      .sort();
  }

  /** Stops polling and closes the consumer. */
  async stop(groupMembership: LeaveMode = 'default'): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.consumer.close({ groupMembership });
  }
}

/** True when every member's assignment is disjoint from the others' and together they are exactly `all`. */
export function partitionsCovered(members: readonly Member[], all: readonly TopicPartition[]): boolean {
  const owned = members.flatMap((m) => m.owned);
  const want = all.map((tp) => `${tp.topic}-${tp.partition}`).sort();
  return owned.length === want.length && owned.sort().every((k, i) => k === want[i]);
}

export const partitionsOf = (topic: string, count: number): TopicPartition[] =>
  Array.from({ length: count }, (_, partition) => ({ topic, partition }));

/** Records read more than once, as `topic-partition@offset` keys. */
export function duplicates(members: readonly Member[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const r of members.flatMap((m) => m.records)) {
    const k = `${tpKey(r.topic, r.partition)}@${r.offset}`;
    if (seen.has(k)) dup.push(k);
    seen.add(k);
  }
  return dup;
}
