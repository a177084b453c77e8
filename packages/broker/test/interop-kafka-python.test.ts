/**
 * kafka-python (pure Python, Debian's 2.0.2) against the broker: KafkaAdminClient creates a
 * 3-partition topic per codec, KafkaProducer (acks=all) writes 10,000 keyed records with headers
 * in each of none, gzip, snappy, lz4 and zstd, and KafkaConsumer reads every partition back with
 * assign() from offset 0. kafka-python probes the broker with ApiVersions and needs no explicit
 * api_version. Skipped when python3-kafka is not installed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import {
  checkRoundTrip,
  checkStoredCompression,
  CODEC_ID,
  CODECS,
  findPython,
  KEYS,
  parseScriptOutput,
  run,
  scriptPath,
  storedBatches,
} from '@gregor/testkit/interop';

const RECORDS = 10_000;
const { python, skip } = findPython('kafka');

let broker: TestBroker;
before(async () => {
  if (!skip) broker = await startTestBroker();
});
after(async () => {
  await broker?.stop();
});

test('kafka-python: produce and assign()-consume, every codec', { skip, timeout: 120_000 }, async () => {
  const since = Date.now();
  const plan = CODECS.map((c) => `${c}:${RECORDS}`).join(',');
  const result = await run(
    python!,
    [scriptPath('kafka_python_roundtrip.py'), broker.bootstrap, 'kp', plan, String(KEYS)],
    {
      timeoutMs: 100_000,
    },
  );
  assert.equal(result.code, 0, `script failed (${result.code}):\n${result.stderr.slice(-4000)}`);
  const out = parseScriptOutput(result.stdout);
  for (const codec of CODECS) {
    const topic = `kp-${codec}`;
    const produced = out.runs.get(codec);
    assert.ok(produced, `no produce run for ${codec}`);
    assert.deepEqual(produced.stats.errors, [], `${codec}: send errors`);
    assert.equal(produced.stats.delivered, RECORDS, `${codec}: acknowledged sends`);
    assert.equal(produced.stats.distinctOffsets, RECORDS, `${codec}: acknowledgements share offsets`);
    const consumed = out.done.get(codec);
    assert.ok(consumed, `no consume run for ${codec}`);
    assert.deepEqual(consumed.partitionsAtEnd, [0, 1, 2], `${codec}: partitions not read to the end`);
    const problems = checkRoundTrip(out.records, {
      topic,
      count: RECORDS,
      headers: (i) => [
        ['idx', String(i)],
        ['client', 'kafka-python'],
      ],
      since,
      createTime: 0, // kafka-python's timestamp_type for CreateTime
    });
    assert.deepEqual(problems, [], `${codec}: round trip`);
    const batches = storedBatches(broker, topic);
    assert.deepEqual(checkStoredCompression(batches, CODEC_ID[codec]), [], `${codec}: stored compression`);
    assert.equal(
      batches.reduce((n, b) => n + b.recordCount, 0),
      RECORDS,
    );
  }
});
