/**
 * Hand-checked byte vectors: each expected frame below was written out field by field from
 * Kafka's protocol guide and the message specs, not produced by this codec. Ours must encode
 * to exactly these bytes and decode them back to the same values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey } from '../src/generated/apis.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../src/messages.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex');
const str = (s: string): string => Buffer.from(s).toString('hex');
const bytes = (chunks: Buffer[]): Buffer => Buffer.concat(chunks);
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Every field given in `expected` has that value in `actual` (which also has the defaults). */
function assertContains(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path} is not an array`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertContains(actual[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object' && !Buffer.isBuffer(expected)) {
    for (const [k, v] of Object.entries(expected))
      assertContains((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else assert.deepStrictEqual(actual, expected, path);
}

const cases: {
  name: string;
  apiKey: number;
  version: number;
  body: Record<string, unknown>;
  expected: Buffer;
}[] = [
  {
    name: 'ApiVersions v0 request (header v1)',
    apiKey: ApiKey.ApiVersions,
    version: 0,
    body: {},
    expected: hex(`0012 0000 00000001 0003 ${str('abc')}`),
  },
  {
    name: 'ApiVersions v3 request (header v2, compact strings)',
    apiKey: ApiKey.ApiVersions,
    version: 3,
    body: { clientSoftwareName: 'gregor', clientSoftwareVersion: '1.0' },
    expected: hex(`0012 0003 00000001 0003 ${str('abc')} 00   07 ${str('gregor')} 04 ${str('1.0')} 00`),
  },
  {
    name: 'Metadata v0 request',
    apiKey: ApiKey.Metadata,
    version: 0,
    body: { topics: [{ name: 't1' }] },
    expected: hex(`0003 0000 00000001 0003 ${str('abc')}   00000001 0002 ${str('t1')}`),
  },
  {
    name: 'Metadata v12 request (topic id, nullable compact name, tags)',
    apiKey: ApiKey.Metadata,
    version: 12,
    body: {
      topics: [{ topicId: ZERO_UUID, name: 't1' }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    },
    expected: hex(`0003 000c 00000001 0003 ${str('abc')} 00
       02  ${'00'.repeat(16)} 03 ${str('t1')} 00   01 00 00`),
  },
  {
    name: 'Produce v3 request (null transactional id, records as bytes)',
    apiKey: ApiKey.Produce,
    version: 3,
    body: {
      transactionalId: null,
      acks: 1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: hex('010203') }] }],
    },
    expected: hex(`0000 0003 00000001 0003 ${str('abc')}
       ffff 0001 00007530  00000001 0001 74  00000001 00000000 00000003 010203`),
  },
  {
    name: 'Produce v9 request (flexible)',
    apiKey: ApiKey.Produce,
    version: 9,
    body: {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: hex('010203') }] }],
    },
    expected: hex(`0000 0009 00000001 0003 ${str('abc')} 00
       00 ffff 00007530  02 02 74  02 00000000 04 010203 00  00  00`),
  },
  {
    name: 'Fetch v4 request',
    apiKey: ApiKey.Fetch,
    version: 4,
    body: {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 0,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 100n, partitionMaxBytes: 1048576 }] }],
    },
    expected: hex(`0001 0004 00000001 0003 ${str('abc')}
       ffffffff 000001f4 00000001 00100000 00
       00000001 0001 74  00000001 00000000 0000000000000064 00100000`),
  },
  {
    name: 'Fetch v12 request (flexible: sessions, epochs, forgotten topics, rack)',
    apiKey: ApiKey.Fetch,
    version: 12,
    body: {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 100n, partitionMaxBytes: 1048576 }] }],
      forgottenTopicsData: [],
      rackId: '',
    },
    expected: hex(`0001 000c 00000001 0003 ${str('abc')} 00
       ffffffff 000001f4 00000001 00100000 01 00000000 ffffffff
       02 02 74  02 00000000 ffffffff 0000000000000064 ffffffff ffffffffffffffff 00100000 00  00
       01 01 00`),
  },
  {
    name: 'JoinGroup v0 request',
    apiKey: ApiKey.JoinGroup,
    version: 0,
    body: {
      groupId: 'g',
      sessionTimeoutMs: 30000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: hex('0102') }],
    },
    expected: hex(`000b 0000 00000001 0003 ${str('abc')}
       0001 67 00007530 0000 0008 ${str('consumer')}  00000001 0005 ${str('range')} 00000002 0102`),
  },
  {
    name: 'JoinGroup v6 request (flexible, rebalance timeout, null instance id)',
    apiKey: ApiKey.JoinGroup,
    version: 6,
    body: {
      groupId: 'g',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: hex('0102') }],
    },
    expected: hex(`000b 0006 00000001 0003 ${str('abc')} 00
       02 67 00007530 0000ea60 01 00 09 ${str('consumer')}  02 06 ${str('range')} 03 0102 00  00`),
  },
];

for (const c of cases) {
  test(`golden: ${c.name}`, () => {
    const header = { apiKey: c.apiKey, apiVersion: c.version, correlationId: 1, clientId: 'abc' };
    const encoded = bytes(encodeRequest(header as never, c.body as never));
    assert.equal(encoded.readInt32BE(0), encoded.length - 4, 'size prefix');
    assert.equal(encoded.subarray(4).toString('hex'), c.expected.toString('hex'));
    const decoded = decodeRequest(c.expected);
    assert.equal(decoded.header.correlationId, 1);
    assert.equal(decoded.header.clientId, 'abc');
    assertContains(decoded.body, c.body, 'body');
  });
}

test('golden: ApiVersions v0 response', () => {
  const body = { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }] };
  const expected = hex('00000007  0000 00000001 0012 0000 0004');
  assert.deepStrictEqual(bytes(encodeResponse(ApiKey.ApiVersions, 0, 7, body)).subarray(4), expected);
  assert.deepStrictEqual(decodeResponse(ApiKey.ApiVersions, 0, expected).body.apiKeys, body.apiKeys);
});

test('golden: ApiVersions v3 response keeps header v0 and omits default tags', () => {
  const body = { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 0 };
  // No tagged-field byte after the correlation id: ApiVersions responses always use header v0.
  const expected = hex('00000007  0000 02 0012 0000 0004 00 00000000 00');
  assert.deepStrictEqual(bytes(encodeResponse(ApiKey.ApiVersions, 3, 7, body)).subarray(4), expected);
  const decoded = decodeResponse(ApiKey.ApiVersions, 3, expected);
  assert.equal(decoded.correlationId, 7);
  assert.equal(decoded.body.finalizedFeaturesEpoch, -1n);
});

test('golden: Metadata v9 response header v1 carries a tag section', () => {
  const body = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [] };
  // correlation id, header tags | throttle, brokers [], clusterId null, controller 1, topics [],
  // clusterAuthorizedOperations (versions 8-10) at its default -2147483648 = 0x80000000, body tags.
  const expected = hex('00000005 00  00000000 01 00 00000001 01 80000000 00');
  assert.deepStrictEqual(bytes(encodeResponse(ApiKey.Metadata, 9, 5, body)).subarray(4), expected);
  assert.equal(decodeResponse(ApiKey.Metadata, 9, expected).body.controllerId, 1);
});
