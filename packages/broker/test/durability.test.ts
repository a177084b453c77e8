/**
 * What the broker acknowledged survives: a kill -9 in the middle of an acks=all produce load, a
 * corrupted log tail, and restarts, with idempotent producer state kept across them. The broker
 * runs as its own process (`npm start`'s entry), as an operator would run it.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiKey, encodeRecordBatch, ErrorCode } from '@gregor/protocol';
import { newDataDir, spawnBroker, type SpawnedBroker } from '../src/testing/index.js';
import { kafkaClient, readAll } from '@gregor/testkit/kafkajs';
import { RawClient } from './support/raw-client.js';

const dirs: string[] = [];
const running = new Set<SpawnedBroker>();
after(async () => {
  for (const b of running) b.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<SpawnedBroker> {
  const b = await spawnBroker(dataDir);
  running.add(b);
  void b.exited.then(() => running.delete(b));
  return b;
}
async function stop(b: SpawnedBroker, signal: NodeJS.Signals): Promise<void> {
  b.child.kill(signal);
  await b.exited;
}

interface Acked {
  partition: number;
  offset: number;
  value: string;
}

test('kill -9 during an acks=all produce load loses nothing acknowledged', { timeout: 120_000 }, async () => {
  const dataDir = newDataDir();
  dirs.push(dataDir);
  let broker = await start(dataDir);
  let kafka = kafkaClient(broker.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 3 }] });
  await admin.disconnect();

  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  const acked: Acked[] = [];
  let seq = 0;
  let killed = false;
  const load = async (partition: number): Promise<void> => {
    while (!killed) {
      const values = Array.from({ length: 50 }, () => `record-${partition}-${seq++}`);
      try {
        const [ack] = await producer.send({
          topic: 'durable',
          acks: -1,
          messages: values.map((value) => ({ value, partition })),
        });
        values.forEach((value, i) => acked.push({ partition, offset: Number(ack!.baseOffset) + i, value }));
      } catch {
        return; // the broker died under this request: it was not acknowledged
      }
    }
  };
  const loads = [0, 1, 2].map(load);
  while (acked.length < 3000) await new Promise((r) => setTimeout(r, 20));
  killed = true;
  broker.child.kill('SIGKILL');
  await broker.exited;
  await Promise.all(loads);
  await producer.disconnect().catch(() => {});
  assert.ok(acked.length >= 3000);

  broker = await start(dataDir);
  kafka = kafkaClient(broker.bootstrap);
  const stored = await readAll(kafka, 'durable', [0, 1, 2], acked.length);
  const byPosition = new Map(stored.map((m) => [`${m.partition}:${m.offset}`, m.value?.toString()]));
  for (const a of acked)
    assert.equal(byPosition.get(`${a.partition}:${a.offset}`), a.value, `lost ${a.partition}:${a.offset}`);
  for (const p of [0, 1, 2]) {
    const offsets = stored.filter((m) => m.partition === p).map((m) => Number(m.offset));
    offsets.forEach((o, i) => assert.equal(o, i, `partition ${p} has a gap or reorder at ${i}`));
  }
  for (const m of stored) assert.match(m.value!.toString(), /^record-\d-\d+$/);
  await stop(broker, 'SIGTERM');
});

test('a corrupted log tail is truncated on restart; everything before it is served', { timeout: 60_000 }, async () => {
  const dataDir = newDataDir();
  dirs.push(dataDir);
  let broker = await start(dataDir);
  let kafka = kafkaClient(broker.bootstrap);
  const producer = kafka.producer();
  await producer.connect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'tail', numPartitions: 1 }] });
  await admin.disconnect();
  for (let i = 0; i < 10; i++)
    await producer.send({ topic: 'tail', acks: -1, messages: [{ value: `v${i}` }, { value: `w${i}` }] });
  await producer.disconnect();
  await stop(broker, 'SIGKILL');

  const partitionDir = join(dataDir, 'tail-0');
  const log = readdirSync(partitionDir).find((f) => f.endsWith('.log'))!;
  appendFileSync(
    join(partitionDir, log),
    Buffer.from('00000000000000140000004dgarbage-that-looks-like-a-batch-header', 'latin1'),
  );

  broker = await start(dataDir);
  kafka = kafkaClient(broker.bootstrap);
  const stored = await readAll(kafka, 'tail', [0], 20);
  assert.deepStrictEqual(
    stored.map((m) => m.value!.toString()),
    Array.from({ length: 10 }, (_, i) => [`v${i}`, `w${i}`]).flat(),
  );
  const more = kafka.producer();
  await more.connect();
  const [ack] = await more.send({ topic: 'tail', acks: -1, messages: [{ value: 'after recovery' }] });
  assert.equal(ack!.baseOffset, '20');
  await more.disconnect();
  await stop(broker, 'SIGTERM');
});

test('idempotent producer state survives a clean restart and a kill -9', { timeout: 60_000 }, async () => {
  const dataDir = newDataDir();
  dirs.push(dataDir);
  let broker = await start(dataDir);
  let client = await RawClient.connect(broker.port);
  await client.request(ApiKey.CreateTopics, 7, {
    topics: [{ name: 'idem', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  const init = await client.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
  assert.equal(init.errorCode, ErrorCode.NONE);
  const producerId = Number(init.producerId);
  const produce = (baseSequence: number, n: number) =>
    client
      .request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [
          {
            name: 'idem',
            partitionData: [
              {
                index: 0,
                records: encodeRecordBatch({
                  records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`seq-${baseSequence + i}`) })),
                  producerId,
                  producerEpoch: 0,
                  baseSequence,
                }),
              },
            ],
          },
        ],
      })
      .then((r) => r.responses[0]!.partitionResponses[0]!);

  assert.equal((await produce(0, 5)).baseOffset, 0n);
  assert.equal((await produce(5, 5)).baseOffset, 5n);
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    await client.close();
    await stop(broker, signal);
    broker = await start(dataDir);
    client = await RawClient.connect(broker.port);
    const retried = await produce(5, 5);
    assert.equal(retried.errorCode, ErrorCode.NONE, `after ${signal}`);
    assert.equal(retried.baseOffset, 5n, `after ${signal}: the retry is acknowledged with its original offset`);
    const gap = await produce(20, 1);
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `after ${signal}`);
  }
  const next = await produce(10, 2);
  assert.equal(next.errorCode, ErrorCode.NONE);
  assert.equal(next.baseOffset, 10n, 'no duplicate was appended');
  const stale = await client.request(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [
      {
        name: 'idem',
        partitionData: [
          {
            index: 0,
            records: encodeRecordBatch({
              records: [{ value: Buffer.from('x') }],
              producerId,
              producerEpoch: 0,
              baseSequence: 0,
            }),
          },
        ],
      },
    ],
  });
  assert.equal(stale.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  await client.close();
  await stop(broker, 'SIGTERM');
});
