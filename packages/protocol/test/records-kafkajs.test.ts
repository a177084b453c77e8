/**
 * Cross-implementation checks against kafkajs's protocol internals, with independent codecs
 * (snappyjs, lz4js, zstd-wasm) registered into kafkajs: batches kafkajs writes decode with ours,
 * batches we write decode with kafkajs, for every codec and for legacy message sets too.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import kafkajs from 'kafkajs';
import Decoder from 'kafkajs/src/protocol/decoder.js';
import Encoder from 'kafkajs/src/protocol/encoder.js';
import MessageSet from 'kafkajs/src/protocol/messageSet/index.js';
import Record from 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
import RecordBatchModule from 'kafkajs/src/protocol/recordBatch/v0/index.js';
import decodeKafkajsBatch from 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
import decodeMessages from 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js';
import { CompressionType } from '../src/compression/index.js';
import { decodeRecordBatch } from '../src/records/batch-decoder.js';
import { encodeRecordBatch } from '../src/records/batch-encoder.js';
import { decodeRecordBatches } from '../src/records/batches.js';
import { encodeMessageSet } from '../src/records/legacy-encoder.js';
import type { RecordInput } from '../src/records/types.js';
import { registerKafkajsCodecs, type KafkajsCodec } from '@gregor/testkit/kafkajs-codecs';

// kafkajs is CommonJS; Node cannot see its named exports from ESM.
const { CompressionCodecs } = kafkajs;

const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;

before(registerKafkajsCodecs);

const BASE_TS = 1_700_000_000_000;
const inputs: RecordInput[] = Array.from({ length: 300 }, (_, i) => ({
  key: i % 4 === 0 ? null : Buffer.from(`key-${i}`),
  value: i % 9 === 5 ? null : Buffer.from(`value ${i} `.repeat(1 + (i % 13))),
  timestamp: BASE_TS + i * 3 - (i % 5),
  headers:
    i % 2 === 0
      ? []
      : [
          { key: 'trace', value: Buffer.from(`t-${i}`) },
          { key: 'ü-tf8', value: Buffer.from('x') },
        ],
}));

/** kafkajs represents headers as an object; ours are a list (with unique keys here). */
const headersObject = (r: RecordInput) => Object.fromEntries((r.headers ?? []).map((h) => [h.key, h.value]));

test('batches kafkajs encodes decode with ours, for every codec', async () => {
  for (const compression of CODECS) {
    const records = inputs.map((r, i) =>
      Record({
        offsetDelta: i,
        timestampDelta: r.timestamp! - BASE_TS,
        key: r.key ?? null,
        value: r.value ?? null,
        headers: headersObject(r) as { [key: string]: Buffer },
      }),
    );
    const encoded = await RecordBatchModule.RecordBatch({
      compression,
      firstOffset: '123456789012',
      firstTimestamp: BASE_TS,
      maxTimestamp: BASE_TS + 900,
      partitionLeaderEpoch: 4,
      lastOffsetDelta: inputs.length - 1,
      transactional: compression === CompressionType.Lz4,
      producerId: '987654321',
      producerEpoch: 6,
      firstSequence: 11,
      records,
    });
    const batch = decodeRecordBatch(encoded.buffer);
    assert.equal(batch.compression, compression);
    assert.equal(batch.baseOffset, 123456789012);
    assert.equal(batch.lastOffset, 123456789012 + inputs.length - 1);
    assert.equal(batch.partitionLeaderEpoch, 4);
    assert.equal(batch.isTransactional, compression === CompressionType.Lz4);
    assert.equal(batch.producerId, 987654321);
    assert.equal(batch.producerEpoch, 6);
    assert.equal(batch.baseSequence, 11);
    assert.equal(batch.baseTimestamp, BASE_TS);
    assert.equal(batch.maxTimestamp, BASE_TS + 900);
    batch.records.forEach((r, i) => {
      const input = inputs[i]!;
      assert.equal(r.offset, 123456789012 + i);
      assert.equal(r.timestamp, input.timestamp);
      assert.deepEqual(r.key, input.key);
      assert.deepEqual(r.value, input.value);
      assert.deepEqual(r.headers, input.headers);
    });
  }
});

test('batches we encode decode with kafkajs, for every codec', async () => {
  for (const compression of CODECS) {
    const encoded = encodeRecordBatch({
      records: inputs,
      compression,
      baseOffset: 2 ** 40,
      partitionLeaderEpoch: 9,
      producerId: 31337,
      producerEpoch: 2,
      baseSequence: 100,
      transactional: true,
    });
    const kbatch = await decodeKafkajsBatch(new Decoder(encoded));
    assert.equal(kbatch.firstOffset, String(2 ** 40));
    assert.equal(kbatch.partitionLeaderEpoch, 9);
    assert.equal(kbatch.inTransaction, true);
    assert.equal(kbatch.isControlBatch, false);
    assert.equal(kbatch.producerId, '31337');
    assert.equal(kbatch.producerEpoch, 2);
    assert.equal(kbatch.firstSequence, 100);
    assert.equal(kbatch.lastOffsetDelta, inputs.length - 1);
    assert.equal(kbatch.firstTimestamp, String(inputs[0]!.timestamp));
    assert.equal(kbatch.maxTimestamp, String(Math.max(...inputs.map((r) => r.timestamp!))));
    assert.equal(kbatch.records.length, inputs.length);
    kbatch.records.forEach((m, i) => {
      const input = inputs[i]!;
      assert.equal(m.offset, String(2 ** 40 + i));
      assert.equal(m.timestamp, String(input.timestamp));
      assert.deepEqual(m.key, input.key);
      assert.deepEqual(m.value, input.value);
      assert.deepEqual(m.headers, headersObject(input));
    });
  }
});

test('a fetch-style run of our batches, cut mid-batch, decodes with kafkajs', async () => {
  const batches = CODECS.map((compression, i) =>
    encodeRecordBatch({ records: inputs.slice(i * 10, i * 10 + 10), compression, baseOffset: i * 10 }),
  );
  const all = Buffer.concat(batches);
  const cut = all.subarray(0, all.length - 5);
  const field = new Encoder().writeInt32(cut.length).writeBytes(cut).buffer.subarray(4);
  const messages = await decodeMessages(new Decoder(field));
  assert.deepEqual(
    messages.map((m) => Number(m.offset)),
    Array.from({ length: 40 }, (_, i) => i),
  );
  assert.deepEqual(
    decodeRecordBatches(cut).flatMap((b) => b.records.map((r) => r.offset)),
    Array.from({ length: 40 }, (_, i) => i),
  );
});

const legacyEntries = inputs
  .slice(0, 20)
  .map((r) => ({ key: r.key ?? null, value: r.value ?? null, timestamp: r.timestamp! }));

test('legacy message sets kafkajs writes (as its produce v0-v2 requests do) decode with ours', async () => {
  for (const magic of [0, 1] as const) {
    const plain = MessageSet({ messageVersion: magic, entries: legacyEntries }).buffer;
    const records = decodeRecordBatches(plain).flatMap((b) => b.records);
    assert.deepEqual(
      records.map((r) => [r.key, r.value, r.timestamp]),
      legacyEntries.map((e) => [e.key, e.value, magic === 1 ? e.timestamp : -1]),
    );
    for (const compression of CODECS.slice(1)) {
      const inner = MessageSet({ messageVersion: magic, compression, entries: legacyEntries });
      const value = await (CompressionCodecs[compression as 1] as () => KafkajsCodec)().compress(inner);
      const wrapper = MessageSet({
        messageVersion: magic,
        compression,
        entries: [{ compression, timestamp: BASE_TS, value } as never],
      }).buffer;
      wrapper.writeBigInt64BE(BigInt(500 + legacyEntries.length - 1), 0); // as the broker assigns it
      const [batch] = decodeRecordBatches(wrapper);
      assert.equal(batch!.compression, compression);
      assert.deepEqual(
        batch!.records.map((r) => r.offset),
        legacyEntries.map((_, i) => (magic === 1 ? 500 + i : i)),
        `magic ${magic} codec ${compression}`,
      );
      assert.deepEqual(
        batch!.records.map((r) => r.value),
        legacyEntries.map((e) => e.value),
      );
    }
  }
});

test('legacy message sets we write decode with kafkajs', async () => {
  for (const magic of [0, 1] as const) {
    for (const compression of CODECS) {
      const set = encodeMessageSet({ magic, messages: legacyEntries, compression, baseOffset: 1000 });
      const field = new Encoder().writeInt32(set.length).writeBytes(set).buffer.subarray(4);
      const messages = await decodeMessages(new Decoder(field));
      assert.deepEqual(
        messages.map((m) => [Number(m.offset), m.key, m.value]),
        legacyEntries.map((e, i) => [1000 + i, e.key, e.value]),
        `magic ${magic} codec ${compression}`,
      );
      if (magic === 1)
        assert.deepEqual(
          messages.map((m) => Number(m.timestamp)),
          legacyEntries.map((e) => e.timestamp),
        );
    }
  }
});
