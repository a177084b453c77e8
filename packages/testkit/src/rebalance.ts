/**
 * Rebalance time of the classic group protocol: a group of N-1 kafkajs consumers is consuming a
 * 60-partition topic; one more member joins, and the clock runs until every one of the N members
 * has its new assignment and has started fetching again. Measured for N = 3 and N = 30 (all
 * consumers in this process, broker in-process with group.initial.rebalance.delay.ms=0).
 *
 * The figure includes the clients' side: existing members notice the rebalance on their next
 * heartbeat (heartbeatInterval 100 ms here), rejoin, and the leader computes the assignment.
 *
 * Run alone: node --conditions=gregor:source --import tsx packages/testkit/src/rebalance.ts
 * Or call `benchRebalance()` from a benchmark suite; it returns the rows it prints.
 */
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startTestBroker } from '@gregor/broker/testing';

export interface RebalanceRow {
  members: number;
  runs: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
}

const PARTITIONS = 60;
const TOPIC = 'rebalance-bench';

interface BenchMember {
  consumer: Consumer;
  joins: number;
  /** Time of the first fetch after the latest join. */
  fetchingSince: number | undefined;
}

async function startMember(kafka: Kafka, groupId: string): Promise<BenchMember> {
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 100, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  const m: BenchMember = { consumer, joins: 0, fetchingSince: undefined };
  consumer.on(consumer.events.GROUP_JOIN, () => {
    m.joins++;
    m.fetchingSince = undefined;
  });
  consumer.on(consumer.events.FETCH_START, () => {
    if (m.joins > 0) m.fetchingSince ??= Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async () => {} });
  return m;
}

async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('rebalance did not finish in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One measurement: N-1 members settled, then the Nth joins; ms until all N fetch again. */
async function measure(kafka: Kafka, groupId: string, members: number): Promise<number> {
  const group: BenchMember[] = [];
  try {
    for (let i = 0; i < members - 1; i++) group.push(await startMember(kafka, groupId));
    await until(() => group.every((m) => m.fetchingSince !== undefined && m.joins > 0));
    // Let the last joins settle: every member on the same generation and fetching.
    await new Promise((r) => setTimeout(r, 300));
    await until(() => group.every((m) => m.fetchingSince !== undefined));
    const joinsBefore = group.map((m) => m.joins);
    const started = Date.now();
    group.push(await startMember(kafka, groupId));
    joinsBefore.push(0);
    await until(() => group.every((m, i) => m.joins > joinsBefore[i]! && m.fetchingSince !== undefined));
    return Math.max(...group.map((m) => m.fetchingSince!)) - started;
  } finally {
    await Promise.all(group.map((m) => m.consumer.disconnect()));
  }
}

export async function benchRebalance(memberCounts: number[] = [3, 30], runs = 3): Promise<RebalanceRow[]> {
  const tb = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '4' });
  const kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'rebalance-bench', logLevel: logLevel.NOTHING });
  const rows: RebalanceRow[] = [];
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();
    for (const members of memberCounts) {
      const times: number[] = [];
      for (let run = 0; run < runs; run++) times.push(await measure(kafka, `bench-${members}-${run}`, members));
      times.sort((a, b) => a - b);
      rows.push({
        members,
        runs,
        minMs: times[0]!,
        medianMs: times[Math.floor(times.length / 2)]!,
        maxMs: times[times.length - 1]!,
      });
    }
  } finally {
    await tb.stop();
  }
  return rows;
}

export function formatRebalanceTable(rows: RebalanceRow[]): string {
  const lines = [
    '| members | runs | min ms | median ms | max ms |',
    '|--------:|-----:|-------:|----------:|-------:|',
    ...rows.map((r) => `| ${r.members} | ${r.runs} | ${r.minMs} | ${r.medianMs} | ${r.maxMs} |`),
  ];
  return `Rebalance time (a member joins → every member fetching again; kafkajs, ${PARTITIONS} partitions)\n${lines.join('\n')}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchRebalance();
  console.log(formatRebalanceTable(rows));
}
