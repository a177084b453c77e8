/**
 * Helpers for the consumer group tests: a broker set up for quick rebalances, kafkajs consumers
 * that record what they are assigned and what they read, and polling until a condition holds.
 */
import { AssignerProtocol, Kafka, logLevel, type Consumer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../../src/testing/index.js';

/** Broker settings for group tests: no initial rebalance delay, short sessions allowed, few offsets partitions. */
export const GROUP_BROKER_CONFIG: Record<string, string> = {
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '1000',
  'offsets.topic.num.partitions': '4',
};

export const startGroupBroker = (overrides: Record<string, string> = {}): Promise<TestBroker> =>
  startTestBroker({ ...GROUP_BROKER_CONFIG, ...overrides });

export const groupKafka = (bootstrap: string, clientId = 'groups-test'): Kafka =>
  new Kafka({
    brokers: [bootstrap],
    clientId,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 50 },
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

export async function produce(kafka: Kafka, topic: string, values: string[], partitions?: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value, i) => (partitions ? { value, partition: i % partitions } : { value })),
    });
  } finally {
    await producer.disconnect();
  }
}

export interface Member {
  name: string;
  consumer: Consumer;
  /** The partitions of the latest GROUP_JOIN, and its generation order. */
  assigned: number[];
  joins: number;
  read: { partition: number; offset: number; value: string }[];
}

/** A kafkajs consumer in `groupId` reading `topic` from the beginning, committing after each batch. */
export async function startMember(
  kafka: Kafka,
  groupId: string,
  topic: string,
  name: string,
  options: { sessionTimeout?: number } = {},
): Promise<Member> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeout ?? 6000,
    heartbeatInterval: 200,
    maxWaitTimeInMs: 100,
    retry: { retries: 10, initialRetryTime: 50 },
  });
  const member: Member = { name, consumer, assigned: [], joins: 0, read: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    member.joins++;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      member.read.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
    },
  });
  return member;
}

/** Decodes the kafkajs member assignments DescribeGroups returns into topic → partitions. */
export function decodeAssignment(buf: Buffer): Record<string, number[]> {
  if (buf.length === 0) return {};
  return AssignerProtocol.MemberAssignment.decode(buf)?.assignment ?? {};
}

/** True when the partition lists are disjoint and together are exactly 0..count-1. */
export function coversExactly(lists: number[][], count: number): boolean {
  const all = lists.flat().sort((a, b) => a - b);
  return all.length === count && all.every((p, i) => p === i);
}
