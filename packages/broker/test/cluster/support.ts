/** What the cluster fault tests share: waiting, leadership lookups, reading a topic back whole. */
import { spawn } from 'node:child_process';
import { Admin, BrokerConnection, type TopicDescription } from '@gregor/client';
import { ApiKey, encodeRecordBatch } from '@gregor/protocol';
import type { TestCluster } from '@gregor/broker/testing';
import { scriptPath } from '@gregor/testkit/interop';

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Bootstrap of the brokers running now. */
export const liveBootstrap = (cluster: TestCluster): string[] =>
  cluster.brokers.filter((b) => b.process).map((b) => `127.0.0.1:${b.port}`);

/** The topic as a running broker describes it (fresh metadata each call). */
export async function describe(cluster: TestCluster, topic: string): Promise<TopicDescription> {
  const admin = new Admin({ brokers: liveBootstrap(cluster), requestTimeoutMs: 5000 });
  try {
    const [d] = await admin.describeTopics([topic]);
    return d!;
  } finally {
    await admin.close();
  }
}

export async function createTopic(
  cluster: TestCluster,
  topic: string,
  partitions: number,
  replicationFactor: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = new Admin({ brokers: liveBootstrap(cluster) });
  try {
    await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor, configs }]);
  } finally {
    await admin.close();
  }
  await waitFor(`leaders for ${topic}`, async () => {
    const d = await describe(cluster, topic);
    return d.partitions.length === partitions && d.partitions.every((p) => p.leader >= 0) ? d : undefined;
  });
}

export interface ReadRecord {
  partition: number;
  offset: number;
  value: string;
}

/** Every record of `topic`, read with kcat (librdkafka) from the running brokers. */
export function readAll(cluster: TestCluster, topic: string): Promise<ReadRecord[]> {
  return readWithKcat(liveBootstrap(cluster), topic);
}

/** Every record of `topic`, read with kcat (librdkafka) through `brokers` (host:port). */
export function readWithKcat(brokers: readonly string[], topic: string): Promise<ReadRecord[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', brokers.join(','), '-C', '-t', topic, '-e', '-q', '-f', '%p %o %s\n']);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`kcat exited ${code}: ${err}`));
      const records = Buffer.concat(out)
        .toString()
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => {
          const [p, o, v] = l.split(' ');
          return { partition: Number(p), offset: Number(o), value: v ?? '' };
        });
      resolve(records);
    });
  });
}

/** Acknowledged values missing from `read`, and values read more than once. */
export function lostAndDuplicated(
  acked: Iterable<string>,
  read: ReadRecord[],
): { lost: string[]; duplicated: string[] } {
  const counts = new Map<string, number>();
  for (const r of read) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
  const lost = [...acked].filter((v) => !counts.has(v));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  return { lost, duplicated };
}

/** Lines the broker logged (JSON), parsed, across all its runs. */
export function logEntries(cluster: TestCluster, id: number): { msg?: string; level?: number; [k: string]: unknown }[] {
  return cluster
    .broker(id)
    .runs.flat()
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as { msg?: string }];
      } catch {
        return [];
      }
    });
}

/**
 * An idempotent acks=all confluent-kafka producer (cluster_load.py) running for `seconds`: the
 * values it had acknowledged, the deliveries that failed, and its summary line.
 */
export function runLoad(python: string, cluster: TestCluster, topic: string, seconds: number, rate: number) {
  const child = spawn(python, [
    scriptPath('cluster_load.py'),
    liveBootstrap(cluster).join(','),
    topic,
    String(seconds),
    String(rate),
  ]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ acked: string[]; failed: string[]; summary: string }>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`cluster_load.py exited ${code}: ${err}`));
      const lines = out.split('\n');
      resolve({
        acked: lines.filter((l) => l.startsWith('ack ')).map((l) => l.split(' ')[1]!),
        failed: lines.filter((l) => l.startsWith('err ')),
        summary: lines.find((l) => l.startsWith('done')) ?? '',
      });
    });
  });
  return { child, done, acksSoFar: () => out.split('\n').filter((l) => l.startsWith('ack ')).length };
}

/** Restarts every stopped broker, resumes paused ones, and waits until all agree on membership. */
export async function healCluster(cluster: TestCluster | undefined): Promise<void> {
  if (!cluster) return;
  for (const b of cluster.brokers) {
    if (b.process) b.process.child.kill('SIGCONT');
    else await cluster.restart(b.id);
  }
  await cluster.waitForMembership(60_000);
}

/** One Produce of one record to partition 0, straight to a broker (no client retries or metadata): its error code. */
export async function produceTo(
  host: string,
  port: number,
  topic: string,
  value: string,
  acks: number,
): Promise<number> {
  const conn = new BrokerConnection({
    host,
    port,
    clientId: 'gregor-probe',
    connectTimeoutMs: 5000,
    requestTimeoutMs: 20_000,
    maxInFlightRequests: 1,
  });
  try {
    const records = encodeRecordBatch({ records: [{ key: Buffer.from(value), value: Buffer.from(value) }] });
    const res = await conn.send(ApiKey.Produce, {
      transactionalId: null,
      acks,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    return res.responses[0]!.partitionResponses[0]!.errorCode;
  } finally {
    conn.close();
  }
}
