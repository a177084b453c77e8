/**
 * Bad input never takes the broker down and never loses acknowledged data: oversize and corrupt
 * batches get Kafka's error codes on a connection that keeps working; garbage, truncated frames,
 * unknown API keys and oversize frames close only the connection that sent them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, encodeRecordBatch, encodeRequest, ErrorCode } from '@gregor/protocol';
import type { Kafka } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { kafkaClient, readAll } from '@gregor/testkit/kafkajs';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let kafka: Kafka;

before(async () => {
  tb = await startTestBroker({ 'socket.request.max.bytes': String(8 * 1024 * 1024) });
  kafka = kafkaClient(tb.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bad-input', numPartitions: 1 }] });
  await admin.disconnect();
});
after(() => tb.stop());

const produceBody = (records: Buffer) => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: 'bad-input', partitionData: [{ index: 0, records }] }],
});
const batch = (value: Buffer | string) =>
  encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from(value) }] });

async function brokerStillServes(): Promise<void> {
  const client = await RawClient.connect(tb.port);
  try {
    const res = await client.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'probe',
      clientSoftwareVersion: '1',
    });
    assert.equal(res.errorCode, ErrorCode.NONE);
  } finally {
    await client.close();
  }
}

test('a 2 MiB record is refused with MESSAGE_TOO_LARGE and the producer keeps working', async () => {
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  try {
    await assert.rejects(
      producer.send({ topic: 'bad-input', acks: -1, messages: [{ value: Buffer.alloc(2 * 1024 * 1024, 1) }] }),
      (err: Error & { type?: string }) => err.type === 'MESSAGE_TOO_LARGE' || /too large/i.test(err.message),
    );
    const [ack] = await producer.send({ topic: 'bad-input', acks: -1, messages: [{ value: 'small after large' }] });
    assert.equal(ack?.errorCode, 0);
    const all = await readAll(kafka, 'bad-input', [0], Number(ack!.baseOffset) + 1);
    assert.equal(all.at(-1)?.value?.toString(), 'small after large');
  } finally {
    await producer.disconnect();
  }
});

test('a corrupted batch gets CORRUPT_MESSAGE, nothing is appended, and the connection keeps working', async () => {
  const client = await RawClient.connect(tb.port);
  try {
    const before = await client.request(ApiKey.ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: 'bad-input', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
    });
    const corrupt = batch('will be corrupted');
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 3) ^ 0xff, corrupt.length - 3); // the CRC no longer matches
    const res = await client.request(ApiKey.Produce, 9, produceBody(corrupt));
    assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE);
    const good = await client.request(ApiKey.Produce, 9, produceBody(batch('fine')));
    const ack = good.responses[0]!.partitionResponses[0]!;
    assert.equal(ack.errorCode, ErrorCode.NONE);
    assert.equal(ack.baseOffset, before.topics[0]!.partitions[0]!.offset, 'the corrupt batch took no offsets');
  } finally {
    await client.close();
  }
});

test('produce to an unknown topic or partition, and invalid acks, are per-partition errors', async () => {
  const client = await RawClient.connect(tb.port);
  try {
    const unknown = await client.request(ApiKey.Produce, 9, {
      ...produceBody(batch('x')),
      topicData: [
        { name: 'no-such-topic', partitionData: [{ index: 0, records: batch('x') }] },
        { name: 'bad-input', partitionData: [{ index: 7, records: batch('x') }] },
      ],
    });
    assert.deepStrictEqual(
      unknown.responses.map((r) => r.partitionResponses[0]!.errorCode),
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    );
    const badAcks = await client.request(ApiKey.Produce, 9, { ...produceBody(batch('x')), acks: 2 });
    assert.equal(badAcks.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  } finally {
    await client.close();
  }
});

test('garbage bytes close only that connection', async () => {
  const bystander = await RawClient.connect(tb.port);
  const attacker = await RawClient.connect(tb.port);
  const junk = Buffer.from('00000010ffffffffffffffffffffffffffffffff', 'hex');
  attacker.writeRaw(junk);
  await attacker.closed;
  const res = await bystander.request(ApiKey.Metadata, 12, {
    topics: [{ name: 'bad-input' }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
  await bystander.close();
});

test('a truncated request body and an unknown API key close the connection; the broker serves on', async () => {
  const whole = Buffer.concat(
    encodeRequest(
      { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: 'x' },
      {
        topics: [{ name: 'bad-input' }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      },
    ),
  );
  const cut = Buffer.from(whole.subarray(0, whole.length - 5));
  cut.writeInt32BE(cut.length - 4, 0); // a whole frame whose body ends early
  const truncated = await RawClient.connect(tb.port);
  truncated.writeRaw(cut);
  await truncated.closed;

  const unknownKey = Buffer.from(whole);
  unknownKey.writeInt16BE(999, 4);
  const unknown = await RawClient.connect(tb.port);
  unknown.writeRaw(unknownKey);
  await unknown.closed;

  const unsupported = Buffer.from(whole);
  unsupported.writeInt16BE(99, 6); // Metadata v99
  const badVersion = await RawClient.connect(tb.port);
  badVersion.writeRaw(unsupported);
  await badVersion.closed;

  // A frame that stops mid-way and a size above socket.request.max.bytes.
  const partial = await RawClient.connect(tb.port);
  partial.writeRaw(whole.subarray(0, 10));
  await partial.close();
  const huge = await RawClient.connect(tb.port);
  huge.writeRaw(Buffer.from('7fffffff', 'hex'));
  await huge.closed;
  await brokerStillServes();
});

test('ApiVersions at an unknown version answers v0 with UNSUPPORTED_VERSION and the supported keys', async () => {
  const client = await RawClient.connect(tb.port);
  try {
    const frame = Buffer.concat(
      encodeRequest({ apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 77, clientId: 'x' }, {}),
    );
    frame.writeInt16BE(42, 6);
    const response = await client.send(frame);
    // Response header v0 (correlation id), then error code and the api key array (v0 layout).
    assert.equal(response.readInt32BE(0), 77);
    assert.equal(response.readInt16BE(4), ErrorCode.UNSUPPORTED_VERSION);
    assert.ok(response.readInt32BE(6) >= 8, 'lists the supported APIs');
  } finally {
    await client.close();
  }
});
