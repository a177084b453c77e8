/**
 * A broker under a low open-files limit (`ulimit -n 1024`) with more partitions than the limit:
 * creating a 1,100-partition topic succeeds with a bounded number of descriptors (counted in
 * /proc/<pid>/fd), records go in and come out of its partitions, and the broker restarts on it,
 * warning at start that the limit is below what the partitions could use. The broker runs as its
 * own process (`npm start`'s entry) under bash's ulimit, as an operator would run it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { Admin, Consumer, Producer } from '@gregor/client';
import { newDataDir, spawnBroker, type SpawnedBroker } from '../src/testing/index.js';

const LIMIT = 1024;
const PARTITIONS = 1100;
const dirs: string[] = [];
const running = new Set<SpawnedBroker>();
after(() => {
  for (const b of running) b.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<SpawnedBroker> {
  const b = await spawnBroker(dataDir, {}, 0, { openFilesLimit: LIMIT });
  running.add(b);
  void b.exited.then(() => running.delete(b));
  return b;
}

const descriptors = (b: SpawnedBroker): number => readdirSync(`/proc/${b.child.pid}/fd`).length;
const softLimit = (b: SpawnedBroker): number =>
  Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${b.child.pid}/limits`, 'utf8'))?.[1]);

/** Produces one record to each of `partitions` and reads each back from the broker. */
async function roundTrip(bootstrap: string, partitions: number[], tag: string): Promise<void> {
  const producer = new Producer({ brokers: [bootstrap], lingerMs: 10 });
  const acks = await producer.sendBatch(partitions.map((p) => ({ topic: 'wide', partition: p, value: `${tag}-${p}` })));
  await producer.close();
  assert.deepEqual(
    acks.map((a) => a.partition),
    partitions,
  );
  const consumer = new Consumer({ brokers: [bootstrap] });
  try {
    consumer.assign(partitions.map((p) => ({ topic: 'wide', partition: p, offset: 'earliest' })));
    const seen = new Map<number, string[]>();
    const deadline = Date.now() + 60_000;
    const wanted = (p: number): boolean => (seen.get(p) ?? []).includes(`${tag}-${p}`);
    while (!partitions.every(wanted) && Date.now() < deadline)
      for (const r of await consumer.poll(1000))
        seen.set(r.partition, [...(seen.get(r.partition) ?? []), String(r.value)]);
    assert.deepEqual(
      partitions.filter((p) => !wanted(p)),
      [],
      `records of ${tag} not read back`,
    );
  } finally {
    await consumer.close();
  }
}

test(
  `a ${PARTITIONS}-partition topic under ulimit -n ${LIMIT}: bounded descriptors, produce/consume, restart`,
  { timeout: 170_000 },
  async () => {
    const dataDir = newDataDir();
    dirs.push(dataDir);
    let broker = await start(dataDir);
    assert.equal(softLimit(broker), LIMIT, 'the broker runs under the low limit');

    const admin = new Admin({ brokers: [broker.bootstrap], requestTimeoutMs: 120_000 });
    await admin.createTopics([{ topic: 'wide', numPartitions: PARTITIONS }], { timeoutMs: 120_000 });
    const [described] = await admin.describeTopics(['wide']);
    await admin.close();
    assert.equal(described?.partitions.length, PARTITIONS);
    const dirsMade = readdirSync(dataDir).filter((n) => n.startsWith('wide-')).length;
    assert.equal(dirsMade, PARTITIONS, 'every partition has its log directory');
    assert.ok(descriptors(broker) < LIMIT / 2, `${descriptors(broker)} descriptors open after the create`);

    // Touch partitions all over the topic, so many segment files are used, then the last ones again.
    const spread = Array.from({ length: 110 }, (_, i) => i * 10 + (i % 10));
    await roundTrip(broker.bootstrap, spread, 'first');
    await roundTrip(broker.bootstrap, [0, 1, PARTITIONS - 1], 'second');
    const open = descriptors(broker);
    assert.ok(open < LIMIT - 100, `${open} descriptors open after producing to ${spread.length} partitions`);

    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0, 'clean shutdown');
    broker = await start(dataDir);
    const warning = broker.logLines.find((l) => l.includes('open-files limit'));
    assert.ok(warning, 'a warning about the open-files limit at start');
    assert.match(warning, new RegExp(`is ${LIMIT}, below the ${PARTITIONS * 3 + 512} that ${PARTITIONS} partitions`));
    await roundTrip(broker.bootstrap, [5, 555, PARTITIONS - 1], 'after-restart');
    assert.ok(descriptors(broker) < LIMIT - 100);
    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0);
  },
);
