/**
 * Jepsen-style fault run: three brokers under an idempotent acks=all load (confluent-kafka) while
 * a nemesis kills (-9), pauses (SIGSTOP past the session timeout), stops (SIGTERM) and restarts
 * random brokers, one at a time, and a consumer (kcat) reads all along. Afterwards every
 * acknowledged record must be in the log exactly once, in the order it was produced within its
 * partition, and every record the consumer saw must still be there at the offset it was seen at
 * (nothing read was later lost). GREGOR_CHAOS_SECONDS sets the length: 40 s in the default test
 * run, 600 s in `npm run test:chaos`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startCluster, zookeeperInstalled, type TestCluster } from '@gregor/broker/testing';
import { findPython } from '@gregor/testkit/interop';
import { Random, seedFromEnv } from '@gregor/testkit/random';
import { createTopic, describe, readAll, runLoad, waitFor } from './support.js';

const SECONDS = Number(process.env.GREGOR_CHAOS_SECONDS ?? 40);
const SESSION_MS = 6000;
const skip = !zookeeperInstalled() ? 'Debian zookeeper is not installed (.ci/run installs it)' : false;
const python = findPython('confluent_kafka');
let cluster: TestCluster;

before(async () => {
  if (skip) return;
  cluster = await startCluster({
    brokers: 3,
    sessionTimeoutMs: SESSION_MS,
    overrides: { 'replica.lag.time.max.ms': '10000' },
  });
});
after(async () => {
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A kcat consumer reading from the start for the whole run: what it saw, partition/offset/value. */
function watch(topic: string) {
  const child = spawn('kcat', [
    '-b',
    cluster.bootstrap,
    '-C',
    '-t',
    topic,
    '-o',
    'beginning',
    '-q',
    '-f',
    '%p %o %s\n',
    '-X',
    'topic.metadata.refresh.interval.ms=1000',
  ]);
  let buffer = '';
  const seen: { partition: number; offset: number; value: string }[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const l of lines) {
      const [p, o, v] = l.split(' ');
      seen.push({ partition: Number(p), offset: Number(o), value: v ?? '' });
    }
  });
  return { seen, stop: () => child.kill('SIGKILL') };
}

test(
  `chaos: ${SECONDS} s of kill -9, SIGSTOP, SIGTERM and restarts under an idempotent acks=all load`,
  { skip: skip || python.skip, timeout: (SECONDS + 240) * 1000 },
  async () => {
    const rng = new Random(seedFromEnv());
    const topic = 'chaos';
    await createTopic(cluster, topic, 3, 3, { 'min.insync.replicas': '2' });
    const load = runLoad(python.python!, cluster, topic, SECONDS, 500);
    const consumer = watch(topic);
    const faults: string[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    try {
      while (Date.now() < deadline - 3000) {
        await sleep(rng.int(1000, 4000));
        const victim = rng.int(1, cluster.brokers.length);
        const action = rng.int(0, 2);
        if (action === 0) {
          faults.push(`kill -9 ${victim}`);
          await cluster.kill(victim);
          await sleep(SESSION_MS + rng.int(0, 4000));
        } else if (action === 1) {
          faults.push(`SIGSTOP ${victim}`);
          cluster.pause(victim);
          await sleep(SESSION_MS + rng.int(1000, 5000));
          cluster.resume(victim);
        } else {
          faults.push(`SIGTERM ${victim}`);
          await cluster.terminate(victim);
        }
        if (!cluster.broker(victim).process) await cluster.restart(victim);
        await cluster.waitForMembership(60_000);
      }
    } finally {
      for (const b of cluster.brokers) if (b.process) cluster.resume(b.id);
    }
    const { acked } = await load.done;
    await waitFor(
      'every replica back in sync',
      async () => {
        const d = await describe(cluster, topic);
        return d.partitions.every((p) => p.isr.length === 3 && p.leader >= 0) ? d : undefined;
      },
      120_000,
    );
    await sleep(3000);
    consumer.stop();
    console.log(`# chaos faults: ${faults.join(', ')}`);
    const log = await readAll(cluster, topic);
    const at = new Map(log.map((r) => [`${r.partition}:${r.offset}`, r.value]));
    const count = new Map<string, number>();
    for (const r of log) count.set(r.value, (count.get(r.value) ?? 0) + 1);
    const lost = acked.filter((v) => !count.has(v));
    const duplicated = [...count].filter(([, n]) => n > 1).map(([v]) => v);
    assert.deepEqual(lost.slice(0, 20), [], `${lost.length} acknowledged records lost`);
    assert.deepEqual(duplicated.slice(0, 20), [], `${duplicated.length} records duplicated`);
    // In order: within a partition, acknowledged values (produced in increasing order) have increasing offsets.
    const ackedSet = new Set(acked);
    for (const partition of [0, 1, 2]) {
      const values = log.filter((r) => r.partition === partition && ackedSet.has(r.value)).map((r) => Number(r.value));
      const outOfOrder = values.findIndex((v, i) => i > 0 && v < values[i - 1]!);
      assert.equal(outOfOrder, -1, `partition ${partition} holds acknowledged records out of order at ${outOfOrder}`);
    }
    const vanished = consumer.seen.filter((r) => at.get(`${r.partition}:${r.offset}`) !== r.value);
    assert.deepEqual(
      vanished.slice(0, 20),
      [],
      `${vanished.length} records a consumer read were later lost or changed`,
    );
    assert.ok(acked.length > SECONDS * 100, `a real load (${acked.length} acknowledged)`);
    assert.ok(faults.length >= Math.min(3, SECONDS / 15), `faults were injected (${faults.length})`);
  },
);
