/**
 * Fetch semantics: long polling woken by appends, min.bytes and max.bytes (the first batch
 * always, KIP-74), the high watermark, offsets out of range, incremental fetch sessions
 * (KIP-227) and ListOffsets by special value and by timestamp.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, encodeRecordBatch, ErrorCode, type FetchRequestInput } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await client.request(ApiKey.CreateTopics, 7, {
    topics: ['a', 'b'].map((name) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 1000,
    validateOnly: false,
  });
});
after(async () => {
  await client.close();
  await tb.stop();
});

async function produce(topic: string, partition: number, values: string[], timestamp = Date.now()): Promise<bigint> {
  const producer = await RawClient.connect(tb.port);
  try {
    const res = await producer.request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        {
          name: topic,
          partitionData: [
            {
              index: partition,
              records: encodeRecordBatch({
                records: values.map((v, i) => ({ value: Buffer.from(v), timestamp: timestamp + i })),
              }),
            },
          ],
        },
      ],
    });
    return res.responses[0]!.partitionResponses[0]!.baseOffset;
  } finally {
    await producer.close();
  }
}

const fetchRequest = (
  over: Partial<FetchRequestInput>,
  parts: { topic: string; partition: number; offset: bigint; max?: number }[],
): FetchRequestInput => ({
  maxWaitMs: 0,
  minBytes: 0,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  forgottenTopicsData: [],
  rackId: '',
  ...over,
  topics: ['a', 'b']
    .map((topic) => ({
      topic,
      partitions: parts
        .filter((p) => p.topic === topic)
        .map((p) => ({ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: p.max ?? 1 << 20 })),
    }))
    .filter((t) => t.partitions.length > 0),
});

test('a long poll waits for min.bytes and wakes on the append', async () => {
  const started = Date.now();
  const pending = client.request(
    ApiKey.Fetch,
    12,
    fetchRequest({ maxWaitMs: 10_000, minBytes: 1 }, [{ topic: 'a', partition: 0, offset: 0n }]),
  );
  await new Promise((r) => setTimeout(r, 200));
  await produce('a', 0, ['wake up']);
  const res = await pending;
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 200 && elapsed < 5000, `woke after ${elapsed} ms`);
  const p = res.responses[0]!.partitions[0]!;
  assert.equal(p.highWatermark, 1n);
  assert.ok(p.records!.includes(Buffer.from('wake up')));
});

test('max.wait.ms ends a poll with nothing to return', async () => {
  const started = Date.now();
  const res = await client.request(
    ApiKey.Fetch,
    12,
    fetchRequest({ maxWaitMs: 300, minBytes: 1 }, [{ topic: 'b', partition: 1, offset: 0n }]),
  );
  assert.ok(Date.now() - started >= 280);
  assert.equal(res.responses[0]!.partitions[0]!.records!.length, 0);
});

test('partition and response byte limits, and the first batch even when larger (KIP-74)', async () => {
  for (let i = 0; i < 5; i++) await produce('a', 1, [`batch-${i}-${'x'.repeat(1000)}`]);
  const small = await client.request(
    ApiKey.Fetch,
    12,
    fetchRequest({}, [{ topic: 'a', partition: 1, offset: 0n, max: 10 }]),
  );
  const records = small.responses[0]!.partitions[0]!.records!;
  assert.ok(
    records.includes(Buffer.from('batch-0')) && !records.includes(Buffer.from('batch-1')),
    'exactly the first batch',
  );
  const capped = await client.request(
    ApiKey.Fetch,
    12,
    fetchRequest({ maxBytes: 2500 }, [{ topic: 'a', partition: 1, offset: 0n }]),
  );
  const got = capped.responses[0]!.partitions[0]!.records!;
  assert.ok(got.length <= 2500 && got.includes(Buffer.from('batch-1')) && !got.includes(Buffer.from('batch-3')));
  const beyond = await client.request(ApiKey.Fetch, 12, fetchRequest({}, [{ topic: 'a', partition: 1, offset: 99n }]));
  assert.equal(beyond.responses[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('incremental fetch sessions list only partitions with news', async () => {
  const parts = [
    { topic: 'b', partition: 0, offset: 0n },
    { topic: 'b', partition: 1, offset: 0n },
  ];
  const full = await client.request(ApiKey.Fetch, 12, fetchRequest({ sessionEpoch: 0 }, parts));
  assert.ok(full.sessionId > 0, 'a session was created');
  assert.equal(full.responses[0]!.partitions.length, 2);
  const quiet = await client.request(
    ApiKey.Fetch,
    12,
    fetchRequest({ sessionId: full.sessionId, sessionEpoch: 1 }, []),
  );
  assert.equal(quiet.errorCode, ErrorCode.NONE);
  assert.equal(quiet.responses.length, 0, 'nothing new: no partitions');
  await produce('b', 1, ['news']);
  const news = await client.request(ApiKey.Fetch, 12, fetchRequest({ sessionId: full.sessionId, sessionEpoch: 2 }, []));
  assert.deepStrictEqual(
    news.responses.map((t) => t.partitions.map((p) => p.partitionIndex)),
    [[1]],
  );
  const forgotten = await client.request(
    ApiKey.Fetch,
    12,
    fetchRequest(
      { sessionId: full.sessionId, sessionEpoch: 3, forgottenTopicsData: [{ topic: 'b', partitions: [1] }] },
      [{ topic: 'b', partition: 1, offset: 1n }].slice(0, 0),
    ),
  );
  assert.equal(forgotten.errorCode, ErrorCode.NONE);
  await produce('b', 1, ['unheard']);
  const after = await client.request(
    ApiKey.Fetch,
    12,
    fetchRequest({ sessionId: full.sessionId, sessionEpoch: 4 }, []),
  );
  assert.equal(after.responses.length, 0, 'a forgotten partition is not reported');
  const wrongEpoch = await client.request(
    ApiKey.Fetch,
    12,
    fetchRequest({ sessionId: full.sessionId, sessionEpoch: 9 }, []),
  );
  assert.equal(wrongEpoch.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  const unknown = await client.request(ApiKey.Fetch, 12, fetchRequest({ sessionId: 12345, sessionEpoch: 1 }, []));
  assert.equal(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('ListOffsets: earliest, latest, max timestamp and by timestamp', async () => {
  const t0 = 1_700_000_000_000;
  await produce('b', 0, ['t0', 't1', 't2'], t0);
  await produce('b', 0, ['t10'], t0 + 10);
  const list = (timestamp: bigint) =>
    client
      .request(ApiKey.ListOffsets, 8, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'b', partitions: [{ partitionIndex: 0, timestamp, currentLeaderEpoch: -1 }] }],
      })
      .then((r) => r.topics[0]!.partitions[0]!);
  assert.equal((await list(-2n)).offset, 0n);
  assert.equal((await list(-1n)).offset, 4n);
  const max = await list(-3n);
  assert.deepStrictEqual([max.timestamp, max.offset], [BigInt(t0 + 10), 3n]);
  assert.equal((await list(BigInt(t0 + 1))).offset, 1n, 'the first record at or after t0+1');
  assert.equal((await list(BigInt(t0 + 5))).offset, 3n);
  assert.equal((await list(BigInt(t0 + 11))).offset, -1n, 'nothing that late');
  const v0 = await client.request(ApiKey.ListOffsets, 0, {
    replicaId: -1,
    topics: [{ name: 'b', partitions: [{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 1 }] }],
  });
  assert.deepStrictEqual(v0.topics[0]!.partitions[0]!.oldStyleOffsets, [4n], 'v0: the old-style offset list');
  const epochFenced = await client.request(ApiKey.ListOffsets, 8, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 'b', partitions: [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: 5 }] }],
  });
  assert.equal(epochFenced.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
});

test('a fetch with a replica id is refused unless that broker is a follower of the partition', async () => {
  await produce('a', 1, ['committed']);
  // Broker 0 is the only replica: no replica id may fetch as a follower, not even its own.
  for (const replicaId of [5, 0]) {
    const res = await client.request(
      ApiKey.Fetch,
      12,
      fetchRequest({ replicaId }, [{ topic: 'a', partition: 1, offset: 0n }]),
    );
    const data = res.responses[0]!.partitions[0]!;
    assert.equal(data.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, `replica id ${replicaId}`);
    assert.equal(data.records?.length ?? 0, 0, 'nothing is read');
  }
  const consumer = await client.request(ApiKey.Fetch, 12, fetchRequest({}, [{ topic: 'a', partition: 1, offset: 0n }]));
  assert.equal(consumer.responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.ok((consumer.responses[0]!.partitions[0]!.records?.length ?? 0) > 0, 'a consumer (replica id -1) reads');
});
