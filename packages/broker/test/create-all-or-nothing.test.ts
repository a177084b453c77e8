/**
 * Creating a topic or partitions is all or nothing: when one partition's log cannot be created
 * (here a plain file sits where its directory must go, a real failure of the file system), the
 * client gets KAFKA_STORAGE_ERROR for that topic, no log directory of the attempt is left, the
 * topic is not in metadata (nor in the saved metadata file after a restart), and the broker goes
 * on serving. A real broker on a real socket; our client.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Admin, KafkaError, Producer } from '@gregor/client';
import { ErrorCode } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';

const brokers: TestBroker[] = [];
after(async () => {
  for (const b of brokers) await b.stop();
});

/** The partition directories of `topic` (the blocking plain files are not). */
const logDirsOf = (dataDir: string, topic: string): string[] =>
  readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith(`${topic}-`) && /^\d+$/.test(e.name.slice(topic.length + 1)))
    .map((e) => e.name);

async function expectStorageError(action: Promise<unknown>, topic: string): Promise<void> {
  await assert.rejects(action, (err: unknown) => {
    assert.ok(err instanceof KafkaError, String(err));
    assert.equal(err.code, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(err.topic, topic);
    assert.match(err.message, /cannot (create topic|add partitions)/);
    return true;
  });
}

test('a topic whose logs cannot all be created is refused with nothing left behind', { timeout: 60_000 }, async () => {
  let broker = await startTestBroker();
  brokers.push(broker);
  const blocker = join(broker.dataDir, 'half-7');
  writeFileSync(blocker, 'not a directory');
  const admin = new Admin({ brokers: [broker.bootstrap] });
  try {
    await expectStorageError(admin.createTopics([{ topic: 'half', numPartitions: 12 }]), 'half');
    assert.deepEqual(logDirsOf(broker.dataDir, 'half'), [], 'no partition directory of the failed create');
    assert.equal(readFileSync(blocker, 'utf8'), 'not a directory', 'what was there before is untouched');
    assert.ok(!(await admin.listTopics()).includes('half'));
    assert.equal(broker.broker.replicas.partition('half', 0), undefined);

    // The broker is healthy: other topics work, and the same name works once the obstacle is gone.
    await admin.createTopics([{ topic: 'whole', numPartitions: 3 }]);
    rmSync(blocker);
    await admin.createTopics([{ topic: 'half', numPartitions: 12 }]);
    assert.equal(logDirsOf(broker.dataDir, 'half').length, 12);
  } finally {
    await admin.close();
  }
  broker = await broker.restart();
  brokers[0] = broker;
  const again = new Admin({ brokers: [broker.bootstrap] });
  try {
    const described = await again.describeTopics(['half', 'whole']);
    assert.deepEqual(
      described.map((t) => [t.topic, t.partitions.length]),
      [
        ['half', 12],
        ['whole', 3],
      ],
    );
  } finally {
    await again.close();
  }
});

test('partitions that cannot all be added leave the topic as it was', { timeout: 60_000 }, async () => {
  let broker = await startTestBroker();
  brokers.push(broker);
  const admin = new Admin({ brokers: [broker.bootstrap] });
  try {
    await admin.createTopics([{ topic: 'grow', numPartitions: 2 }]);
    writeFileSync(join(broker.dataDir, 'grow-4'), 'not a directory');
    await expectStorageError(admin.createPartitions([{ topic: 'grow', count: 6 }]), 'grow');
    assert.deepEqual(logDirsOf(broker.dataDir, 'grow').sort(), ['grow-0', 'grow-1']);
    const [described] = await admin.describeTopics(['grow']);
    assert.equal(described?.partitions.length, 2);

    const producer = new Producer({ brokers: [broker.bootstrap] });
    const ack = await producer.send({ topic: 'grow', partition: 1, value: 'still here' });
    await producer.close();
    assert.equal(ack.offset, 0);
  } finally {
    await admin.close();
  }
  broker = await broker.restart();
  brokers[1] = broker;
  assert.equal(broker.broker.metadata.topic('grow')?.partitions.length, 2, 'the saved metadata has 2 partitions');
});
