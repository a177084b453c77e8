/**
 * confluent-kafka (Python, on librdkafka) against the broker: AdminClient creates a 3-partition
 * topic per codec, an idempotent producer (acks=all) writes 10,000 keyed records with headers in
 * each of none, gzip, snappy, lz4 and zstd, and a consumer reads every partition back from offset
 * 0 by manual assignment. Skipped when python3-confluent-kafka is not installed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import {
  checkIdempotentBatches,
  checkRoundTrip,
  checkStoredCompression,
  CODECS,
  findPython,
  KEYS,
  librdkafkaStoredCodec,
  parseScriptOutput,
  run,
  scriptPath,
  storedBatches,
} from '@gregor/testkit/interop';

const RECORDS = 10_000;
const { python, skip } = findPython('confluent_kafka');

let broker: TestBroker;
before(async () => {
  if (!skip) broker = await startTestBroker();
});
after(async () => {
  await broker?.stop();
});

test(
  'confluent-kafka: idempotent produce and manual-assignment consume, every codec',
  { skip, timeout: 120_000 },
  async () => {
    const since = Date.now();
    const plan = CODECS.map((c) => `${c}:${RECORDS}`).join(',');
    const result = await run(
      python!,
      [scriptPath('confluent_kafka_roundtrip.py'), broker.bootstrap, 'ck', plan, String(KEYS)],
      {
        timeoutMs: 100_000,
      },
    );
    assert.equal(result.code, 0, `script failed (${result.code}):\n${result.stderr.slice(-4000)}`);
    const out = parseScriptOutput(result.stdout);
    for (const codec of CODECS) {
      const topic = `ck-${codec}`;
      const produced = out.runs.get(codec);
      assert.ok(produced, `no produce run for ${codec}`);
      assert.deepEqual(produced.stats.errors, [], `${codec}: delivery errors`);
      assert.equal(produced.stats.delivered, RECORDS, `${codec}: delivery reports`);
      assert.equal(produced.stats.distinctOffsets, RECORDS, `${codec}: delivery reports share offsets`);
      const consumed = out.done.get(codec);
      assert.ok(consumed, `no consume run for ${codec}`);
      assert.deepEqual(consumed.errors, [], `${codec}: consumer errors`);
      assert.deepEqual(consumed.partitionsAtEnd, [0, 1, 2], `${codec}: partitions not read to the end`);
      const problems = checkRoundTrip(out.records, {
        topic,
        count: RECORDS,
        headers: (i) => [
          ['idx', String(i)],
          ['client', 'confluent-kafka'],
        ],
        since,
        createTime: 1, // confluent_kafka.TIMESTAMP_CREATE_TIME
      });
      assert.deepEqual(problems, [], `${codec}: round trip`);
      // What the broker stored: the client's codec, and idempotent batches (a producer id,
      // sequences without gaps or repeats), which is what makes the round trip exactly-once.
      const batches = storedBatches(broker, topic);
      assert.deepEqual(
        checkStoredCompression(batches, librdkafkaStoredCodec(broker, codec)),
        [],
        `${codec}: stored batches' compression`,
      );
      assert.equal(
        batches.reduce((n, b) => n + b.recordCount, 0),
        RECORDS,
      );
      assert.deepEqual(checkIdempotentBatches(batches), [], `${codec}: idempotent batches`);
    }
  },
);
