/**
 * The compaction cleaner honours the topic's settings as Kafka's LogCleanerManager does:
 * min.cleanable.dirty.ratio (a log is cleaned only once its dirty share exceeds it),
 * max.compaction.lag.ms (an overdue log is cleaned whatever its ratio, and its active segment
 * rolls at that age), min.compaction.lag.ms (young records stay uncompacted); and it logs only
 * when a cleaning removed something. Records are written with kafkajs; settings change through
 * IncrementalAlterConfigs; cleaner passes are run with an explicit clock.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { Kafka } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { incrementalAlter, SET, TOPIC } from './support/admin-requests.js';
import { kafkaClient } from '@gregor/testkit/kafkajs';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let raw: RawClient;
let kafka: Kafka;

before(async () => {
  tb = await startTestBroker();
  raw = await RawClient.connect(tb.port);
  kafka = kafkaClient(tb.bootstrap);
});
after(async () => {
  await raw.close();
  await tb.stop();
});

async function createCompacted(name: string, configs: Record<string, string>): Promise<void> {
  const all = { 'cleanup.policy': 'compact', 'segment.bytes': '2048', ...configs };
  const res = await raw.request(ApiKey.CreateTopics, 5, {
    topics: [
      {
        name,
        numPartitions: 1,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(all).map(([n, value]) => ({ name: n, value })),
      },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE, res.topics[0]?.errorMessage ?? '');
}

async function produce(topic: string, count: number, keys: number, timestamp?: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < count; i += 20) {
      const messages = Array.from({ length: Math.min(20, count - i) }, (_, j) => ({
        key: `key-${(i + j) % keys}`,
        value: `value-${i + j}-${'x'.repeat(20)}`,
        ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }),
      }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

const setConfig = async (topic: string, name: string, value: string) => {
  const res = await incrementalAlter(raw, TOPIC, topic, [[name, SET, value]]);
  assert.equal(res.responses[0]?.errorCode, ErrorCode.NONE, res.responses[0]?.errorMessage ?? '');
};

const logOf = (topic: string) => tb.broker.replicas.partition(topic, 0)!.log;

/** Runs a cleaner pass and returns what it logged. */
async function cleanerPass(now = Date.now()): Promise<string[]> {
  const logger = tb.broker.logger;
  const lines: string[] = [];
  const original = logger.info.bind(logger);
  logger.info = ((obj: unknown, msg?: string) => {
    lines.push(JSON.stringify({ obj, msg }));
    return original(obj as object, msg);
  }) as typeof logger.info;
  try {
    await tb.broker.replicas.compact(now);
  } finally {
    logger.info = original;
  }
  return lines.filter((l) => l.includes('"compacted"'));
}

test('min.cleanable.dirty.ratio: a log is cleaned only once its dirty share exceeds the ratio', async () => {
  await createCompacted('ratio', { 'min.cleanable.dirty.ratio': '1.0' });
  await produce('ratio', 400, 10);
  const log = logOf('ratio');
  const fresh = log.size;
  assert.equal(log.cleaningDemand().dirtyRatio, 1, 'nothing was cleaned yet');
  assert.deepEqual(await cleanerPass(), [], 'a ratio of 1.0 is never exceeded');
  assert.equal(log.size, fresh);

  await setConfig('ratio', 'min.cleanable.dirty.ratio', '0.5');
  const logged = await cleanerPass();
  assert.equal(logged.length, 1, 'one "compacted" line');
  assert.ok(log.size < fresh / 2, `cleaned from ${fresh} to ${log.size} bytes`);

  // New records make part of the log dirty again; clean only above the configured share.
  await produce('ratio', 120, 10);
  const demand = log.cleaningDemand();
  assert.ok(demand.dirtyRatio > 0 && demand.dirtyRatio < 1, `dirty ratio ${demand.dirtyRatio}`);
  await setConfig('ratio', 'min.cleanable.dirty.ratio', String(Math.min(1, demand.dirtyRatio + 0.01)));
  const size = log.size;
  assert.deepEqual(await cleanerPass(), []);
  assert.equal(log.size, size, 'below the ratio nothing is cleaned');
  await setConfig('ratio', 'min.cleanable.dirty.ratio', String(Math.max(0, demand.dirtyRatio - 0.01)));
  assert.equal((await cleanerPass()).length, 1);
  assert.ok(log.size < size, 'above the ratio the log is cleaned');
  assert.equal(log.cleaningDemand().dirtyRatio, 0);
});

test('max.compaction.lag.ms: the active segment rolls at that age and an overdue log is cleaned whatever its ratio', async () => {
  await createCompacted('max-lag', {
    'segment.bytes': String(1024 * 1024),
    'min.cleanable.dirty.ratio': '1.0',
    'max.compaction.lag.ms': '60000',
  });
  const now = Date.now();
  await produce('max-lag', 100, 5, now - 600_000);
  await produce('max-lag', 100, 5, now);
  const log = logOf('max-lag');
  assert.equal(log.segmentCount, 2, 'records 10 minutes apart rolled the segment at max.compaction.lag.ms');
  const size = log.size;
  assert.ok(log.cleaningDemand(now).maxCompactionDelayMs > 0, 'the first segment is overdue');
  assert.equal((await cleanerPass(now)).length, 1);
  assert.ok(log.size < size, 'the overdue segment was cleaned although the ratio is 1.0');
});

test('min.compaction.lag.ms keeps the newest records uncompacted; no-op passes log nothing', async () => {
  await createCompacted('min-lag', { 'min.compaction.lag.ms': '3600000' });
  await produce('min-lag', 400, 10);
  const log = logOf('min-lag');
  const size = log.size;
  assert.deepEqual(await cleanerPass(), [], 'records younger than an hour are left alone');
  assert.equal(log.size, size);
  assert.equal((await cleanerPass(Date.now() + 2 * 3_600_000)).length, 1, 'two hours later they are compacted');
  assert.ok(log.size < size);

  await createCompacted('unique-keys', { 'min.cleanable.dirty.ratio': '0.01' });
  await produce('unique-keys', 300, 300);
  const before = logOf('unique-keys').size;
  assert.deepEqual(await cleanerPass(), [], 'a cleaning that removes nothing is not logged');
  assert.equal(logOf('unique-keys').size, before);
});
