/**
 * Hostile and damaged input: every failure must be a ProtocolError, never a RangeError, a crash
 * or a hang. Fuzzing is seeded; the seed is in the test name and every failure message, and
 * RECORDS_FUZZ_SEED=<n> repeats a run; RECORDS_FUZZ_ITERATIONS=<n> runs longer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from '@node-rs/crc32';
import { CompressionType } from '../src/compression/index.js';
import { ProtocolError, ProtocolErrorCode } from '../src/errors.js';
import { updateBatchCrc } from '../src/records/batch-header.js';
import { decodeRecordBatch } from '../src/records/batch-decoder.js';
import { encodeRecordBatch } from '../src/records/batch-encoder.js';
import { decodeRecordBatches } from '../src/records/batches.js';
import { encodeMessageSet } from '../src/records/legacy-encoder.js';

const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;

const is = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;

/** Runs `f` and fails unless it returns or throws a ProtocolError. */
function onlyProtocolErrors(f: () => unknown, context: string): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ProtocolError)) {
      assert.fail(`${context}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    }
  }
}

const oneRecord = () =>
  encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1 }], timestamp: 1 });

/** Patches bytes of a batch and recomputes its CRC, so the damage reaches the record parser. */
function patched(batch: Buffer, at: number, ...bytes: number[]): Buffer {
  const copy = Buffer.from(batch);
  copy.set(bytes, at);
  updateBatchCrc(copy);
  return copy;
}

test('every truncation of a batch is Truncated alone and dropped in a sequence', () => {
  for (const compression of CODECS) {
    const batch = encodeRecordBatch({
      records: [{ key: Buffer.from('key'), value: Buffer.alloc(300, 'v'), headers: [{ key: 'h', value: null }] }, {}],
      compression,
    });
    for (let n = 0; n < batch.length; n++) {
      assert.throws(
        () => decodeRecordBatch(batch.subarray(0, n)),
        is(ProtocolErrorCode.Truncated),
        `codec ${compression} prefix ${n}`,
      );
      assert.deepEqual(decodeRecordBatches(batch.subarray(0, n)), []);
    }
  }
});

test('a bad CRC is CorruptChecksum, a bad magic or batch length CorruptMessage', () => {
  const batch = oneRecord();
  for (const at of [21, 30, 60, batch.length - 1]) {
    const copy = Buffer.from(batch);
    copy[at]! ^= 0x40;
    assert.throws(() => decodeRecordBatch(copy), is(ProtocolErrorCode.CorruptChecksum), `byte ${at}`);
    assert.throws(() => decodeRecordBatches(copy), is(ProtocolErrorCode.CorruptChecksum));
  }
  for (const magic of [0, 1, 3, -1]) {
    const copy = Buffer.from(batch);
    copy.writeInt8(magic, 16);
    assert.throws(() => decodeRecordBatch(copy), is(ProtocolErrorCode.CorruptMessage), `magic ${magic}`);
  }
  const unknownMagic = Buffer.from(batch);
  unknownMagic.writeInt8(7, 16);
  assert.throws(() => decodeRecordBatches(unknownMagic), is(ProtocolErrorCode.CorruptMessage));
  for (const length of [-1, -2_000_000_000, 0, 13, 48]) {
    const copy = Buffer.from(batch);
    copy.writeInt32BE(length, 8);
    assert.throws(() => decodeRecordBatch(copy), is(ProtocolErrorCode.CorruptMessage), `length ${length}`);
    assert.throws(() => decodeRecordBatches(copy), is(ProtocolErrorCode.CorruptMessage));
  }
});

test('negative and inconsistent lengths and counts inside the records', () => {
  const batch = oneRecord();
  // Record layout from byte 61: length, attributes, timestampDelta, offsetDelta, key length, "k",
  // value length, "v", header count (all single-byte zigzag varints here).
  assert.equal(batch.subarray(61).toString('hex'), '10000000026b027600');
  const cases: [number[], number, string][] = [
    [[0x01], 61, ProtocolErrorCode.NegativeLength], // record length -1
    [[0x7e], 61, ProtocolErrorCode.Truncated], // record length 63
    [[0x0e], 61, ProtocolErrorCode.CorruptMessage], // record length 7: fields overrun it
    [[0x03], 65, ProtocolErrorCode.NegativeLength], // key length -2
    [[0x04], 65, ProtocolErrorCode.LengthOutOfRange], // key length 2 swallows the value length, "v" reads as 59
    [[0x01], 69, ProtocolErrorCode.NegativeLength], // header count -1
    [[0x7e], 69, ProtocolErrorCode.CorruptMessage], // header count 63
    [[0xff, 0xff, 0xff, 0xff], 57, ProtocolErrorCode.CorruptMessage], // record count -1
    [[0, 0, 0, 2], 57, ProtocolErrorCode.CorruptMessage], // more records than bytes
    [[0x7f, 0xff, 0xff, 0xff], 57, ProtocolErrorCode.CorruptMessage],
    [[0, 0, 0, 0], 57, ProtocolErrorCode.CorruptMessage], // fewer: bytes left over
    [[0x00, 0x07], 21, ProtocolErrorCode.CorruptMessage], // compression type 7
    [[0x00, 0xff, 0xff, 0xff, 0xff, 0xff], 63, ProtocolErrorCode.VarintTooLong], // 6-byte offsetDelta
  ];
  for (const [bytes, at, code] of cases) {
    assert.throws(() => decodeRecordBatch(patched(batch, at, ...bytes)), is(code), `${bytes} at ${at}`);
  }
  // A header key cannot be null.
  const withHeader = encodeRecordBatch({ records: [{ headers: [{ key: 'a', value: null }] }], timestamp: 0 });
  const keyAt = withHeader.length - 3;
  assert.equal(withHeader[keyAt], 0x02);
  assert.throws(
    () => decodeRecordBatch(patched(withHeader, keyAt, 0x01, 0x00, 0x01)),
    is(ProtocolErrorCode.NegativeLength),
  );
});

test('garbage in place of a compressed records section is CorruptMessage', () => {
  const plain = encodeRecordBatch({ records: [{ value: Buffer.from('some value bytes here') }] });
  for (const compression of CODECS.slice(1)) {
    // The uncompressed section, labelled compressed: not valid data for any codec.
    assert.throws(
      () => decodeRecordBatch(patched(plain, 21, 0, compression)),
      is(ProtocolErrorCode.CorruptMessage),
      `codec ${compression}`,
    );
    // Valid compressed bytes that decompress to garbage records.
    const junk = encodeRecordBatch({ records: [{ value: Buffer.alloc(100, 0xff) }], compression });
    const section = junk.subarray(61);
    const recompressed = Buffer.concat([junk.subarray(0, 61), section]);
    for (let i = 0; i < 20; i++) {
      const at = 61 + ((i * 7919) % section.length);
      onlyProtocolErrors(
        () => decodeRecordBatch(patched(recompressed, at, recompressed[at]! ^ 0xa5)),
        `codec ${compression} byte ${at}`,
      );
    }
  }
});

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = Number(process.env.RECORDS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const iterations = Number(process.env.RECORDS_FUZZ_ITERATIONS ?? 4000);

test(`fuzz: random and mutated batches only ever fail with ProtocolError (seed ${seed})`, { timeout: 120_000 }, () => {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const samples = [
    ...CODECS.map((compression) =>
      encodeRecordBatch({
        records: Array.from({ length: 5 }, (_, i) => ({
          key: i % 2 ? Buffer.from(`k${i}`) : null,
          value: Buffer.alloc(int(200), i),
          headers: [{ key: 'h', value: Buffer.from('x') }],
        })),
        compression,
      }),
    ),
    encodeMessageSet({ magic: 0, messages: [{ value: Buffer.from('a') }, { key: Buffer.from('b') }] }),
    encodeMessageSet({ magic: 1, messages: [{ value: Buffer.from('a') }], compression: CompressionType.Gzip }),
    encodeMessageSet({ magic: 0, messages: [{ value: Buffer.from('a') }], compression: CompressionType.Lz4 }),
  ];
  const fixCrc = (buf: Buffer) => {
    if (buf.length < 26) return;
    const magic = buf[16];
    if (magic === 2 && buf.length >= 61) updateBatchCrc(buf);
    else if (magic === 0 || magic === 1) buf.writeUInt32BE(crc32(buf.subarray(16)), 12);
  };
  for (let i = 0; i < iterations; i++) {
    let input: Buffer;
    const mode = i % 4;
    if (mode === 0) {
      input = Buffer.alloc(int(120));
      for (let j = 0; j < input.length; j++) input[j] = int(256);
      if (input.length > 16 && random() < 0.7) input[16] = int(3); // plausible magic
    } else {
      input = Buffer.from(samples[int(samples.length)]!);
      const flips = 1 + int(4);
      for (let f = 0; f < flips; f++) input[int(input.length)] = int(256);
      if (mode !== 1) fixCrc(input); // most mutations get past the checksum
      if (mode === 3) input = input.subarray(0, int(input.length + 1));
    }
    const context = `seed ${seed}, iteration ${i}, input ${input.toString('hex')}`;
    onlyProtocolErrors(() => decodeRecordBatches(input), context);
    onlyProtocolErrors(() => decodeRecordBatch(input), context);
  }
});
