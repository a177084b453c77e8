/**
 * Malformed input never crashes or hangs the codec: every failure is a ProtocolError with a
 * stable code. Covers truncation at every length, hostile lengths and counts, unknown API keys
 * and versions, and a seeded fuzz over real request frames.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError, ProtocolErrorCode } from '../src/errors.js';
import { ApiKey } from '../src/generated/apis.js';
import { decodeRequest, decodeResponse, encodeRequest } from '../src/messages.js';
import { Reader } from '../src/primitives/reader.js';
import { Random, seedFromEnv } from '@gregor/testkit/random';

const frameOf = (chunks: Buffer[]): Buffer => Buffer.concat(chunks).subarray(4);

const sampleRequests: Buffer[] = [
  frameOf(
    encodeRequest(
      { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: 'c' },
      {
        topics: [{ name: 'orders' }, { name: 'payments' }],
        allowAutoTopicCreation: true,
        includeTopicAuthorizedOperations: false,
      },
    ),
  ),
  frameOf(
    encodeRequest(
      { apiKey: ApiKey.Produce, apiVersion: 9, correlationId: 2, clientId: 'c' },
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(100, 7) }] }],
      },
    ),
  ),
  frameOf(
    encodeRequest(
      { apiKey: ApiKey.Fetch, apiVersion: 4, correlationId: 3, clientId: null },
      {
        maxWaitMs: 100,
        minBytes: 1,
        topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 5n, partitionMaxBytes: 1024 }] }],
      },
    ),
  ),
];

function expectProtocolError(fn: () => unknown, what: string): ProtocolError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `${what}: threw ${String(err)} instead of a ProtocolError`);
    return err;
  }
  assert.fail(`${what}: decoded without error`);
}

test('a request truncated at any length is a ProtocolError', () => {
  for (const frame of sampleRequests)
    for (let n = 0; n < frame.length; n++) {
      const err = expectProtocolError(() => decodeRequest(frame.subarray(0, n)), `truncated to ${n}`);
      assert.ok(
        [ProtocolErrorCode.Truncated, ProtocolErrorCode.LengthOutOfRange].includes(err.code as never),
        `truncated to ${n}: ${err.code}`,
      );
    }
});

test('unknown API keys and versions are typed errors', () => {
  const frame = Buffer.from(sampleRequests[0]!);
  frame.writeInt16BE(999, 0);
  assert.equal(expectProtocolError(() => decodeRequest(frame), 'key 999').code, ProtocolErrorCode.UnknownApiKey);
  frame.writeInt16BE(-1, 0);
  assert.equal(expectProtocolError(() => decodeRequest(frame), 'key -1').code, ProtocolErrorCode.UnknownApiKey);
  frame.writeInt16BE(ApiKey.Metadata, 0);
  frame.writeInt16BE(99, 2);
  assert.equal(expectProtocolError(() => decodeRequest(frame), 'v99').code, ProtocolErrorCode.UnsupportedVersion);
  assert.equal(
    expectProtocolError(() => decodeResponse(ApiKey.Fetch, 400, Buffer.alloc(8)), 'response v400').code,
    ProtocolErrorCode.UnsupportedVersion,
  );
});

test('negative and oversized lengths are typed errors', () => {
  const r = (hex: string): Reader => new Reader(Buffer.from(hex, 'hex'));
  assert.equal(
    expectProtocolError(() => r('fffe').readNullableString(), 'string -2').code,
    ProtocolErrorCode.NegativeLength,
  );
  assert.equal(expectProtocolError(() => r('ffff').readString(), 'null string').code, ProtocolErrorCode.NegativeLength);
  assert.equal(
    expectProtocolError(() => r('0005616263').readString(), 'string 5/3').code,
    ProtocolErrorCode.LengthOutOfRange,
  );
  assert.equal(
    expectProtocolError(() => r('80000000').readBytes(), 'bytes min int').code,
    ProtocolErrorCode.NegativeLength,
  );
  assert.equal(
    expectProtocolError(() => r('7fffffff').readArrayLength(), 'huge array').code,
    ProtocolErrorCode.LengthOutOfRange,
  );
  assert.equal(
    expectProtocolError(() => r('ffffffffff7f').readUVarint(), 'long varint').code,
    ProtocolErrorCode.VarintTooLong,
  );
  assert.equal(expectProtocolError(() => r('ff').readUVarint(), 'cut varint').code, ProtocolErrorCode.Truncated);
  // A Produce request whose topic count claims two billion entries fails fast, without allocating them.
  const produce = Buffer.from(sampleRequests[1]!);
  const countAt = produce.indexOf(Buffer.from('ffff000003e8', 'hex')) + 6; // after acks and timeout
  produce.writeUInt8(0xff, countAt);
  produce.writeUInt8(0xff, countAt + 1);
  produce.writeUInt8(0xff, countAt + 2);
  produce.writeUInt8(0x07, countAt + 3);
  expectProtocolError(() => decodeRequest(produce), 'huge compact count');
});

test('fuzz: 20,000 mutated and random frames only ever raise ProtocolError', () => {
  const seed = seedFromEnv();
  const rnd = new Random(seed);
  let decoded = 0;
  for (let i = 0; i < 20_000; i++) {
    let frame: Buffer;
    if (rnd.bool(0.3)) frame = rnd.bytes(rnd.int(0, 64));
    else {
      frame = Buffer.from(rnd.pick(sampleRequests));
      for (let k = rnd.int(1, 4); k > 0; k--) frame[rnd.int(0, frame.length - 1)] = rnd.int(0, 255);
      if (rnd.bool(0.3)) frame = frame.subarray(0, rnd.int(0, frame.length));
    }
    try {
      decodeRequest(frame);
      decoded++;
    } catch (err) {
      if (!(err instanceof ProtocolError))
        assert.fail(`seed ${seed} iteration ${i}: ${String(err)} for ${frame.toString('hex')}`);
    }
  }
  assert.ok(decoded > 0, 'some mutations should still decode (the fuzz must reach the body decoders)');
});
