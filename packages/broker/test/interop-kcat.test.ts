/**
 * kcat (Debian's 1.7.1, on librdkafka 2.0.2) against the broker: kafkajs's admin creates a
 * 3-partition topic per codec (kcat cannot create topics), `kcat -P` produces 10,000 keyed records
 * (-K key delimiter) with headers (-H) in each of none, gzip, snappy, lz4 and zstd
 * (-X compression.codec), and `kcat -C -p N -o beginning -e -J` reads each partition back by
 * manual assignment. Skipped when kcat is not installed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import {
  checkRoundTrip,
  checkStoredCompression,
  CODECS,
  librdkafkaStoredCodec,
  PARTITIONS,
  recordFor,
  run,
  storedBatches,
  toolMissing,
  type Consumed,
} from '@gregor/testkit/interop';

const RECORDS = 10_000;
const skip = toolMissing('kcat', ['-V']);

let broker: TestBroker;
before(async () => {
  if (!skip) broker = await startTestBroker();
});
after(async () => {
  await broker?.stop();
});

/** kcat -J's envelope. */
interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

test(
  'kcat: produce with headers and keys, consume each partition, every codec',
  { skip, timeout: 120_000 },
  async () => {
    const topics = CODECS.map((codec) => `kcat-${codec}`);
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'interop-kcat', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
        waitForLeaders: true,
      });
      assert.equal(created, true);
    } finally {
      await admin.disconnect();
    }

    let input = '';
    for (let i = 0; i < RECORDS; i++) {
      const r = recordFor(i);
      input += `${r.key}\t${r.value}\n`;
    }
    const since = Date.now();
    // All codecs at once: each kcat is its own librdkafka producer.
    const produced = await Promise.all(
      CODECS.map((codec) =>
        run(
          'kcat',
          [
            ...['-b', broker.bootstrap, '-t', `kcat-${codec}`, '-P', '-K', '\t'],
            ...['-H', 'client=kcat', '-H', `codec=${codec}`],
            ...['-X', `compression.codec=${codec}`, '-X', 'linger.ms=5', '-X', 'acks=all'],
          ],
          { input, timeoutMs: 60_000 },
        ),
      ),
    );
    produced.forEach((r, i) =>
      assert.equal(r.code, 0, `kcat -P ${CODECS[i]} failed (${r.code}):\n${r.stderr.slice(-3000)}`),
    );

    for (const codec of CODECS) {
      const topic = `kcat-${codec}`;
      const reads = await Promise.all(
        Array.from({ length: PARTITIONS }, (_, p) =>
          run(
            'kcat',
            ['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(p), '-o', 'beginning', '-e', '-J', '-q'],
            {
              timeoutMs: 60_000,
            },
          ),
        ),
      );
      const records: Consumed[] = [];
      reads.forEach((r, p) => {
        assert.equal(r.code, 0, `kcat -C ${topic} -p ${p} failed (${r.code}):\n${r.stderr.slice(-3000)}`);
        for (const line of r.stdout.split('\n')) {
          if (line === '') continue;
          const m = JSON.parse(line) as KcatMessage;
          const flat = m.headers ?? [];
          const headers: [string, string][] = [];
          for (let h = 0; h + 1 < flat.length; h += 2) headers.push([flat[h]!, flat[h + 1]!]);
          records.push({
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            key: m.key,
            value: m.payload,
            headers,
            timestamp: m.ts,
            timestampType: m.tstype,
          });
        }
      });
      const problems = checkRoundTrip(records, {
        topic,
        count: RECORDS,
        headers: () => [
          ['client', 'kcat'],
          ['codec', codec],
        ],
        since,
        createTime: 'create',
      });
      assert.deepEqual(problems, [], `${codec}: round trip`);
      const batches = storedBatches(broker, topic);
      assert.deepEqual(
        checkStoredCompression(batches, librdkafkaStoredCodec(broker, codec)),
        [],
        `${codec}: stored compression`,
      );
    }
  },
);
