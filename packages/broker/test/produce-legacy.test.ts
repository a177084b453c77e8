/**
 * Produce v0-2 from old clients: message sets in the old formats (magic 0 and 1, plain and
 * compressed) are stored as record batches with the same keys, values and timestamps.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, CompressionType, decodeRecordBatches, encodeMessageSet, ErrorCode } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await client.request(ApiKey.CreateTopics, 7, {
    topics: [{ name: 'legacy', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
});
after(async () => {
  await client.close();
  await tb.stop();
});

test('ApiVersions advertises Produce from v0', async () => {
  const res = await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  assert.deepStrictEqual(
    res.apiKeys.find((k) => k.apiKey === ApiKey.Produce),
    { apiKey: 0, minVersion: 0, maxVersion: 11 },
  );
});

test('magic 0 and magic 1 message sets, plain and gzip, are stored as record batches', async () => {
  const cases = [
    { version: 0, magic: 0 as const, compression: CompressionType.None },
    { version: 1, magic: 0 as const, compression: CompressionType.Gzip },
    { version: 2, magic: 1 as const, compression: CompressionType.None },
    { version: 2, magic: 1 as const, compression: CompressionType.Gzip },
  ];
  let expectedOffset = 0n;
  for (const c of cases) {
    const records = encodeMessageSet({
      magic: c.magic,
      compression: c.compression,
      messages: [
        { key: Buffer.from('k1'), value: Buffer.from(`v1-${c.version}-${c.magic}`), timestamp: 1_700_000_000_001 },
        { key: null, value: Buffer.from(`v2-${c.version}-${c.magic}`), timestamp: 1_700_000_000_002 },
      ],
    });
    const res = await client.request(ApiKey.Produce, c.version, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'legacy', partitionData: [{ index: 0, records }] }],
    });
    const ack = res.responses[0]!.partitionResponses[0]!;
    assert.equal(ack.errorCode, ErrorCode.NONE, JSON.stringify(c));
    assert.equal(ack.baseOffset, expectedOffset);
    expectedOffset += 2n;
  }
  const fetched = await client.request(ApiKey.Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'legacy', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const batches = decodeRecordBatches(fetched.responses[0]!.partitions[0]!.records!);
  assert.ok(batches.every((b) => b.magic === 2));
  assert.deepStrictEqual(
    batches.map((b) => b.compression),
    cases.map((c) => c.compression),
  );
  const records = batches.flatMap((b) => b.records);
  assert.deepStrictEqual(
    records.map((r) => [r.offset, r.key?.toString() ?? null, r.value!.toString()]),
    cases.flatMap((c, i) => [
      [i * 2, 'k1', `v1-${c.version}-${c.magic}`],
      [i * 2 + 1, null, `v2-${c.version}-${c.magic}`],
    ]),
  );
  // Magic 1 carries timestamps; magic 0 has none, so the broker's time stands in.
  assert.equal(records[4]!.timestamp, 1_700_000_000_001);
  assert.ok(records[0]!.timestamp > 1_700_000_000_002);
});
