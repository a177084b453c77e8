/**
 * Cross-implementation checks against kafkajs's own encoders and decoders (an independent,
 * hand-written codec): requests kafkajs writes decode with ours, and responses we write decode
 * in kafkajs to the same values.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { ApiKey } from '../src/generated/apis.js';
import { decodeRequest, encodeResponse } from '../src/messages.js';

const require = createRequire(import.meta.url);
const kafkajsRequest = require('kafkajs/src/protocol/request.js');
const kjs = (path: string) => require(`kafkajs/src/protocol/requests/${path}.js`);

/** kafkajs frames a request with its size prefix; we decode the frame after it. */
async function kafkajsFrame(request: unknown): Promise<Buffer> {
  const encoder = await kafkajsRequest({ correlationId: 42, clientId: 'kafkajs-client', request });
  return (encoder.buffer as Buffer).subarray(4);
}

/** kafkajs hands its response decoders the bytes after the size and correlation id. */
function kafkajsPayload(chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks).subarray(8);
}

test('kafkajs Metadata v4 request decodes with ours', async () => {
  const frame = await kafkajsFrame(
    kjs('metadata/v4/request')({ topics: ['orders', 'payments'], allowAutoTopicCreation: false }),
  );
  const { apiKey, apiVersion, header, body } = decodeRequest(frame);
  assert.equal(apiKey, ApiKey.Metadata);
  assert.equal(apiVersion, 4);
  assert.equal(header.correlationId, 42);
  assert.equal(header.clientId, 'kafkajs-client');
  const metadata = body as { topics: { name: string }[]; allowAutoTopicCreation: boolean };
  assert.deepStrictEqual(
    metadata.topics.map((t) => t.name),
    ['orders', 'payments'],
  );
  assert.equal(metadata.allowAutoTopicCreation, false);
});

test('kafkajs Fetch v11 request decodes with ours', async () => {
  const request = kjs('fetch/v11/request')({
    replicaId: -1,
    maxWaitTime: 5000,
    minBytes: 1,
    maxBytes: 10485760,
    isolationLevel: 1,
    topics: [{ topic: 'orders', partitions: [{ partition: 2, fetchOffset: '12345678901', maxBytes: 1048576 }] }],
    rackId: 'rack-a',
  });
  const { apiVersion, body } = decodeRequest(await kafkajsFrame(request));
  assert.equal(apiVersion, 11);
  const fetch = body as {
    maxWaitMs: number;
    isolationLevel: number;
    rackId: string;
    topics: { topic: string; partitions: { partition: number; fetchOffset: bigint; partitionMaxBytes: number }[] }[];
  };
  assert.equal(fetch.maxWaitMs, 5000);
  assert.equal(fetch.isolationLevel, 1);
  assert.equal(fetch.rackId, 'rack-a');
  assert.equal(fetch.topics[0]!.topic, 'orders');
  assert.deepStrictEqual(
    { ...fetch.topics[0]!.partitions[0]! },
    { ...fetch.topics[0]!.partitions[0]!, partition: 2, fetchOffset: 12345678901n, partitionMaxBytes: 1048576 },
  );
});

test('kafkajs JoinGroup v5 request decodes with ours', async () => {
  const request = kjs('joinGroup/v5/request')({
    groupId: 'billing',
    sessionTimeout: 30000,
    rebalanceTimeout: 60000,
    memberId: '',
    groupInstanceId: 'instance-1',
    protocolType: 'consumer',
    groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 2]) }],
  });
  const { body } = decodeRequest(await kafkajsFrame(request));
  assert.deepStrictEqual(body, {
    groupId: 'billing',
    sessionTimeoutMs: 30000,
    rebalanceTimeoutMs: 60000,
    memberId: '',
    groupInstanceId: 'instance-1',
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 2]) }],
    reason: null,
  });
});

test('our ApiVersions v2 response decodes in kafkajs', async () => {
  const ours = encodeResponse(ApiKey.ApiVersions, 2, 42, {
    errorCode: 0,
    apiKeys: [
      { apiKey: 0, minVersion: 0, maxVersion: 11 },
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ],
    throttleTimeMs: 7,
  });
  const { decode, parse } = kjs('apiVersions/v2/response');
  const parsed = await parse(await decode(kafkajsPayload(ours)));
  assert.equal(parsed.errorCode, 0);
  assert.deepStrictEqual(parsed.apiVersions, [
    { apiKey: 0, minVersion: 0, maxVersion: 11 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
  ]);
  assert.equal(parsed.clientSideThrottleTime, 7);
});

test('our Metadata v4 response decodes in kafkajs', async () => {
  const ours = encodeResponse(ApiKey.Metadata, 4, 42, {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
    clusterId: 'gregor-cluster',
    controllerId: 1,
    topics: [
      {
        errorCode: 0,
        name: 'orders',
        isInternal: false,
        partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }],
      },
    ],
  });
  const { decode, parse } = kjs('metadata/v4/response');
  const parsed = await parse(await decode(kafkajsPayload(ours)));
  assert.deepStrictEqual(parsed.brokers, [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }]);
  assert.equal(parsed.clusterId, 'gregor-cluster');
  assert.equal(parsed.controllerId, 1);
  assert.equal(parsed.topicMetadata[0].topic, 'orders');
  assert.deepStrictEqual(parsed.topicMetadata[0].partitionMetadata[0], {
    partitionErrorCode: 0,
    partitionId: 0,
    leader: 1,
    replicas: [1],
    isr: [1],
  });
});
