/**
 * `node --import tsx packages/broker/bench/restart.bench.ts [topics] [partitionsPerTopic]`: how
 * long a broker with many partitions takes to come back, after a clean shutdown (SIGTERM) and
 * after `kill -9`.
 *
 * The broker runs as its own process (spawnBroker). It gets `topics` topics (default 4) of
 * `partitionsPerTopic` partitions (default 400), each partition some records; the first topic has
 * small segments, so its partitions hold several. Each restart is timed from spawn to the
 * 'broker started' line and to the first Fetch answered with data, and the descriptors the
 * process holds are counted in /proc/<pid>/fd. An empty broker's start is timed too: Node and
 * tsx alone account for most of a second of every start. RESTART_BENCH_KEEP=1 keeps the data
 * directory (to profile a start on it).
 */
import { readdirSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Admin, Consumer, Producer } from '@gregor/client';
import { newDataDir, spawnBroker, type SpawnedBroker } from '@gregor/broker/testing';

const topics = Number(process.argv[2] ?? 4);
const perTopic = Number(process.argv[3] ?? 400);
const RECORDS_PER_PARTITION = 40;

const descriptors = (pid: number | undefined): number => readdirSync(`/proc/${pid}/fd`).length;

async function stop(broker: SpawnedBroker, signal: NodeJS.Signals): Promise<void> {
  broker.child.kill(signal);
  await broker.exited;
}

/** Spawn → listening, and spawn → a Fetch answered with records. */
async function timedStart(dataDir: string): Promise<{ broker: SpawnedBroker; startedMs: number; servingMs: number }> {
  const t0 = performance.now();
  const broker = await spawnBroker(dataDir);
  const startedMs = performance.now() - t0;
  const consumer = new Consumer({ brokers: [broker.bootstrap] });
  consumer.assign([{ topic: 'restart-1', partition: perTopic - 1, offset: 'earliest' }]);
  let got = 0;
  while (got === 0) got = (await consumer.poll(1000)).length;
  const servingMs = performance.now() - t0;
  await consumer.close();
  return { broker, startedMs, servingMs };
}

const keep = process.env.RESTART_BENCH_KEEP === '1';
const dataDir = newDataDir();
try {
  const t0 = performance.now();
  let broker = await spawnBroker(newDataDirForEmpty());
  const emptyMs = performance.now() - t0;
  await stop(broker, 'SIGTERM');

  broker = await spawnBroker(dataDir);
  const admin = new Admin({ brokers: [broker.bootstrap] });
  await admin.createTopics(
    Array.from({ length: topics }, (_, t) => ({
      topic: `restart-${t}`,
      numPartitions: perTopic,
      ...(t === 0 ? { configs: { 'segment.bytes': '4096' } } : {}),
    })),
  );
  await admin.close();
  const producer = new Producer({ brokers: [broker.bootstrap], acks: 1, lingerMs: 20 });
  const value = 'x'.repeat(200);
  for (let t = 0; t < topics; t++)
    for (let round = 0; round < RECORDS_PER_PARTITION / 10; round++) {
      const records = [];
      for (let p = 0; p < perTopic; p++)
        for (let i = 0; i < 10; i++) records.push({ topic: `restart-${t}`, partition: p, value });
      await producer.sendBatch(records);
    }
  await producer.close();
  console.log(`loaded ${topics * perTopic} partitions, ${RECORDS_PER_PARTITION} records each`);
  console.log(`empty broker: started in ${emptyMs.toFixed(0)} ms`);
  await stop(broker, 'SIGTERM');

  for (const how of ['clean', 'kill -9'] as const) {
    const { broker: restarted, startedMs, servingMs } = await timedStart(dataDir);
    console.log(
      `after ${how === 'clean' ? 'a clean shutdown' : 'kill -9'}: started in ${startedMs.toFixed(0)} ms, ` +
        `serving in ${servingMs.toFixed(0)} ms, ${descriptors(restarted.child.pid)} descriptors open`,
    );
    await stop(restarted, how === 'clean' ? 'SIGKILL' : 'SIGTERM');
  }
} finally {
  if (keep) console.log(`data kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}

function newDataDirForEmpty(): string {
  const dir = newDataDir();
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
