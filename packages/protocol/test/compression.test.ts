/**
 * The codecs one by one: round trips, the framings Kafka clients expect (xerial snappy, LZ4 frames
 * with independent blocks), the variants readers must accept, and typed failures on garbage.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import * as lz4js from 'lz4js';
import * as snappyjs from 'snappyjs';
import {
  compress,
  compressAsync,
  CompressionType,
  decompress,
  decompressAsync,
  isXerialFramed,
  LZ4_FLG_BLOCK_INDEPENDENCE,
  lz4CompressLegacy,
  lz4DecompressLegacy,
  XERIAL_MAGIC,
  xxhash32,
} from '../src/compression/index.js';
import { ProtocolError, ProtocolErrorCode } from '../src/errors.js';

const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;

/** Compressible but not trivial: repeated words with a varying counter. */
function sample(size: number): Buffer {
  const parts: string[] = [];
  for (let i = 0, length = 0; length < size; i++) {
    const part = `record-${i % 97} value ${i * 31} `;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

const isCorrupt = (e: unknown): boolean => e instanceof ProtocolError && e.code === ProtocolErrorCode.CorruptMessage;

test('every codec round-trips empty, small and multi-block inputs', async () => {
  for (const type of CODECS) {
    for (const size of [0, 1, 100, 32 * 1024, 32 * 1024 + 1, 200_000]) {
      const data = sample(size);
      const packed = compress(type, data);
      assert.deepEqual(decompress(type, packed), data, `codec ${type}, ${size} bytes`);
      assert.deepEqual(await decompressAsync(type, await compressAsync(type, data)), data, `async codec ${type}`);
    }
  }
});

test('unknown compression types 5-7 are CorruptMessage', () => {
  for (const type of [5, 6, 7]) {
    assert.throws(() => compress(type as CompressionType, Buffer.alloc(1)), isCorrupt);
    assert.throws(() => decompress(type as CompressionType, Buffer.alloc(1)), isCorrupt);
  }
});

test('garbage payloads fail as CorruptMessage for every codec', async () => {
  const garbage = [Buffer.from('definitely not compressed data'), Buffer.alloc(0), Buffer.from([0xff, 0xff, 0xff])];
  for (const type of CODECS.slice(1)) {
    for (const g of garbage) {
      if (type === CompressionType.Snappy && g.length === 0) continue; // checked below
      if (type === CompressionType.Zstd && g.length === 0) continue; // zstd reads an empty input as no frames
      assert.throws(() => decompress(type, g), isCorrupt, `codec ${type} on ${g.toString('hex')}`);
      await assert.rejects(decompressAsync(type, g), isCorrupt);
    }
    const good = compress(type, sample(5000));
    assert.throws(() => decompress(type, good.subarray(0, good.length >> 1)), isCorrupt, `codec ${type} truncated`);
  }
  assert.throws(() => decompress(CompressionType.Snappy, Buffer.alloc(0)), isCorrupt);
});

test('snappy writes xerial framing: header, then 32 KiB blocks that snappyjs decodes', () => {
  const data = sample(100_000);
  const framed = compress(CompressionType.Snappy, data);
  assert.ok(isXerialFramed(framed));
  assert.deepEqual(framed.subarray(0, 8), XERIAL_MAGIC);
  assert.deepEqual(framed.subarray(0, 8), Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
  assert.equal(framed.readInt32BE(8), 1);
  assert.equal(framed.readInt32BE(12), 1);
  const blocks: Buffer[] = [];
  for (let at = 16; at < framed.length;) {
    const length = framed.readInt32BE(at);
    const block = Buffer.from(snappyjs.uncompress(framed.subarray(at + 4, at + 4 + length)));
    assert.ok(block.length <= 32 * 1024);
    blocks.push(block);
    at += 4 + length;
  }
  assert.equal(blocks.length, Math.ceil(data.length / (32 * 1024)));
  assert.deepEqual(Buffer.concat(blocks), data);
});

test('snappy reads one raw block (librdkafka, kafkajs-snappy) as written by snappyjs', () => {
  const data = sample(70_000);
  assert.deepEqual(decompress(CompressionType.Snappy, Buffer.from(snappyjs.compress(data))), data);
});

test('snappy refuses impossible declared lengths and bad xerial block lengths', () => {
  // A 5-byte preamble claiming ~4 GiB, with nothing after it.
  assert.throws(() => decompress(CompressionType.Snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])), isCorrupt);
  const framed = compress(CompressionType.Snappy, sample(1000));
  const negative = Buffer.from(framed);
  negative.writeInt32BE(-5, 16);
  assert.throws(() => decompress(CompressionType.Snappy, negative), isCorrupt);
  const tooLong = Buffer.from(framed);
  tooLong.writeInt32BE(framed.length, 16);
  assert.throws(() => decompress(CompressionType.Snappy, tooLong), isCorrupt);
  assert.throws(() => decompress(CompressionType.Snappy, Buffer.concat([framed, Buffer.from([0, 0])])), isCorrupt);
});

test('lz4 writes frames with the block-independence bit, which lz4js reads', () => {
  const data = sample(300_000);
  const frame = compress(CompressionType.Lz4, data);
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  const flg = frame[4]!;
  assert.equal(flg >> 6, 1, 'frame format version 01');
  assert.equal(flg & LZ4_FLG_BLOCK_INDEPENDENCE, LZ4_FLG_BLOCK_INDEPENDENCE);
  // The header checksum covers the descriptor (FLG, BD) only.
  assert.equal(frame[6], (xxhash32(frame, 0, 4, 6) >>> 8) & 0xff);
  assert.deepEqual(Buffer.from(lz4js.decompress(frame)), data);
});

test('lz4 reads frames with dependent blocks, checksums, from lz4js', () => {
  const data = sample(300_000);
  const fromLz4js = Buffer.from(lz4js.compress(data));
  assert.equal(fromLz4js[4]! & LZ4_FLG_BLOCK_INDEPENDENCE, 0, 'lz4js declares dependent blocks');
  assert.deepEqual(decompress(CompressionType.Lz4, fromLz4js), data);
  for (const options of [{ contentChecksum: true }, { blockChecksums: true }]) {
    assert.deepEqual(decompress(CompressionType.Lz4, compressFrameSync(data, options)), data);
  }

  // A hand-made frame whose second block copies from the first: only valid with linked blocks.
  const first = Buffer.from('0123456789abcdef');
  const second = Buffer.from([0x0c, 0x10, 0x00, 0x50, ...Buffer.from('XYZWV')]); // match 16 @ -16, then 5 literals
  const descriptor = Buffer.from([0x40, 0x40]); // version 01, dependent blocks; 64 KiB max block
  const frame = Buffer.concat([
    Buffer.from([0x04, 0x22, 0x4d, 0x18]),
    descriptor,
    Buffer.from([(xxhash32(descriptor) >>> 8) & 0xff]),
    Buffer.from([first.length, 0, 0, 0x80]), // high bit: stored uncompressed
    first,
    Buffer.from([second.length, 0, 0, 0]),
    second,
    Buffer.alloc(4), // end mark
  ]);
  assert.equal(decompress(CompressionType.Lz4, frame).toString(), '0123456789abcdef0123456789abcdefXYZWV');
});

test('lz4 verifies header, block and content checksums, and reads concatenated frames', () => {
  const data = sample(150_000);
  const flip = (buf: Buffer, at: number) => {
    const copy = Buffer.from(buf);
    copy[at]! ^= 0x01;
    return copy;
  };
  const plain = compress(CompressionType.Lz4, data);
  assert.throws(() => decompress(CompressionType.Lz4, flip(plain, 6)), isCorrupt, 'header checksum');
  const withContentSum = compressFrameSync(data, { contentChecksum: true });
  assert.throws(() => decompress(CompressionType.Lz4, flip(withContentSum, withContentSum.length - 1)), isCorrupt);
  const withBlockSums = compressFrameSync(data, { blockChecksums: true });
  const firstBlockSize = withBlockSums.readUInt32LE(7) & 0x7fffffff;
  assert.throws(() => decompress(CompressionType.Lz4, flip(withBlockSums, 7 + 4 + firstBlockSize)), isCorrupt);
  assert.throws(() => decompress(CompressionType.Lz4, Buffer.concat([plain, Buffer.from('junk')])), isCorrupt);
  assert.deepEqual(
    decompress(CompressionType.Lz4, Buffer.concat([plain, withContentSum])),
    Buffer.concat([data, data]),
  );
});

test('magic-0 lz4: written with the pre-0.10 broken header checksum, read with either', () => {
  const data = sample(10_000);
  const legacy = lz4CompressLegacy(data);
  assert.notEqual(legacy[6], (xxhash32(legacy, 0, 4, 6) >>> 8) & 0xff, 'header checksum is the broken one');
  assert.equal(legacy[6], (xxhash32(legacy, 0, 0, 6) >>> 8) & 0xff, 'it hashes the magic number too');
  assert.throws(() => decompressFrameSync(legacy), 'a strict reader rejects it');
  assert.deepEqual(lz4DecompressLegacy(legacy), data);
  assert.deepEqual(lz4DecompressLegacy(compress(CompressionType.Lz4, data)), data);
  assert.throws(() => lz4DecompressLegacy(Buffer.from('nope')), isCorrupt);
});

test('xxhash32 matches the reference vectors and lz4 content checksums', () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
  assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  for (const size of [1, 3, 4, 15, 16, 17, 31, 32, 33, 1000]) {
    const data = sample(size);
    const frame = compressFrameSync(data, { contentChecksum: true });
    assert.equal(xxhash32(data), frame.readUInt32LE(frame.length - 4), `${size} bytes`);
  }
});

test('zstd frames round-trip and zstd-wasm agrees', async () => {
  const { init, compress: wasmCompress, decompress: wasmDecompress } = await import('@bokuweb/zstd-wasm');
  await init();
  const data = sample(150_000);
  assert.deepEqual(Buffer.from(wasmDecompress(compress(CompressionType.Zstd, data))), data);
  assert.deepEqual(decompress(CompressionType.Zstd, Buffer.from(wasmCompress(data, 3))), data);
});
