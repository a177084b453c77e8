/**
 * A broker with 1,600 partitions (4 topics, some records in each partition, several segments in
 * one topic) restarts in seconds after a clean shutdown and after kill -9, and says what its
 * recovery did: after kill -9 a line per partition that had unflushed records (segments checked,
 * from which offset, bytes truncated) and a summary; after a clean shutdown only the summary.
 * One partition's tail is torn before the unclean restart, so truncation shows. The broker runs
 * as its own process (`npm start`'s entry). The bounds are generous (2 shared cores); the
 * figures are printed.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { Admin, Consumer, Producer } from '@gregor/client';
import { newDataDir, spawnBroker, type SpawnedBroker } from '../src/testing/index.js';

const TOPICS = 4;
const PER_TOPIC = 400;
const RESTART_BOUND_MS = 30_000;
const dirs: string[] = [];
const running = new Set<SpawnedBroker>();
after(() => {
  for (const b of running) b.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ broker: SpawnedBroker; ms: number }> {
  const t0 = performance.now();
  const broker = await spawnBroker(dataDir);
  running.add(broker);
  void broker.exited.then(() => running.delete(broker));
  return { broker, ms: performance.now() - t0 };
}

interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}
const entries = (b: SpawnedBroker): LogEntry[] =>
  b.logLines.flatMap((l) => {
    try {
      return [JSON.parse(l) as LogEntry];
    } catch {
      return [];
    }
  });

/** Reads partition `partition` of `topic` from the start; resolves with the values. */
async function readPartition(bootstrap: string, topic: string, partition: number, count: number): Promise<string[]> {
  const consumer = new Consumer({ brokers: [bootstrap] });
  try {
    consumer.assign([{ topic, partition, offset: 'earliest' }]);
    const values: string[] = [];
    const deadline = Date.now() + 30_000;
    while (values.length < count && Date.now() < deadline)
      for (const r of await consumer.poll(1000)) values.push(String(r.value));
    return values;
  } finally {
    await consumer.close();
  }
}

test(`restarts with ${TOPICS * PER_TOPIC} partitions, clean and after kill -9`, { timeout: 175_000 }, async () => {
  const dataDir = newDataDir();
  dirs.push(dataDir);
  let { broker } = await start(dataDir);
  const admin = new Admin({ brokers: [broker.bootstrap], requestTimeoutMs: 120_000 });
  await admin.createTopics(
    Array.from({ length: TOPICS }, (_, t) => ({
      topic: `many-${t}`,
      numPartitions: PER_TOPIC,
      ...(t === 0 ? { configs: { 'segment.bytes': '2048' } } : {}),
    })),
    { timeoutMs: 120_000 },
  );
  await admin.close();
  const producer = new Producer({ brokers: [broker.bootstrap], lingerMs: 20 });
  const value = 'v'.repeat(150);
  for (let round = 0; round < 3; round++)
    for (let t = 0; t < TOPICS; t++)
      await producer.sendBatch(
        Array.from({ length: PER_TOPIC * 4 }, (_, i) => ({
          topic: `many-${t}`,
          partition: i % PER_TOPIC,
          value: `${round}-${value}`,
        })),
      );
  await producer.close();
  assert.ok(readdirSync(join(dataDir, 'many-0-0')).filter((n) => n.endsWith('.log')).length > 1, 'several segments');

  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0);
  let ms: number;
  ({ broker, ms } = await start(dataDir));
  const clean = entries(broker);
  const summary = clean.find((e) => e.msg.startsWith('loaded '));
  assert.ok(summary, 'a load summary');
  assert.equal(summary.partitions, TOPICS * PER_TOPIC);
  assert.equal(summary.recovered, 0);
  assert.equal(summary.cleanShutdown, true);
  assert.deepEqual(
    clean.filter((e) => e.msg.startsWith('recovered ')),
    [],
    'a clean start logs no recovery',
  );
  assert.equal((await readPartition(broker.bootstrap, 'many-3', PER_TOPIC - 1, 12)).length, 12);
  console.log(`clean restart: listening after ${ms.toFixed(0)} ms, logs loaded in ${String(summary.durationMs)} ms`);
  assert.ok(ms < RESTART_BOUND_MS, `clean restart took ${ms} ms`);

  // New records (unflushed), then kill -9 and tear one partition's tail.
  const more = new Producer({ brokers: [broker.bootstrap], lingerMs: 20 });
  await more.sendBatch(Array.from({ length: 20 }, (_, p) => ({ topic: 'many-1', partition: p, value: 'late' })));
  await more.close();
  broker.child.kill('SIGKILL');
  await broker.exited;
  const torn = join(dataDir, 'many-1-0', '00000000000000000000.log');
  appendFileSync(torn, Buffer.from([0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 1, 0, 0, 0]));

  ({ broker, ms } = await start(dataDir));
  const unclean = entries(broker);
  const after9 = unclean.find((e) => e.msg.startsWith('loaded '));
  assert.ok(after9, 'a load summary');
  assert.equal(after9.cleanShutdown, false);
  const recovered = unclean.filter((e) => e.msg.startsWith('recovered '));
  const names = recovered.map((e) => e.log as string);
  for (let p = 0; p < 20; p++) assert.ok(names.includes(`many-1-${p}`), `recovery of many-1-${p} is logged`);
  assert.equal(after9.recovered, recovered.length);
  const tornEntry = recovered.find((e) => e.log === 'many-1-0');
  assert.equal(tornEntry?.truncatedBytes, 14);
  assert.equal(tornEntry?.truncatedAtOffset, 13);
  assert.equal(tornEntry?.checkedFromOffset, 0);
  assert.equal(tornEntry?.segmentsChecked, 1);
  assert.equal(after9.truncated, 1);
  assert.deepEqual(await readPartition(broker.bootstrap, 'many-1', 0, 13).then((v) => v.at(-1)), 'late');
  console.log(
    `restart after kill -9: listening after ${ms.toFixed(0)} ms, logs loaded in ${String(after9.durationMs)} ms, ` +
      `${recovered.length} partitions recovered`,
  );
  assert.ok(ms < RESTART_BOUND_MS, `restart after kill -9 took ${ms} ms`);
  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0);
});
