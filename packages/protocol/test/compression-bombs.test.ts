/**
 * A small compressed input that expands past MAX_DECOMPRESSED_BYTES is refused as a corrupt
 * message before the memory is allocated, for every codec with a large ratio; ordinary data
 * still decompresses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError, ProtocolErrorCode } from '../src/errors.js';
import { compress, CompressionType, decompress, decompressAsync } from '../src/compression/index.js';
import { MAX_DECOMPRESSED_BYTES } from '../src/compression/limits.js';
import { zstdOutputBound } from '../src/compression/zstd.js';

const bomb = Buffer.alloc(MAX_DECOMPRESSED_BYTES + 1024 * 1024);

for (const [name, type] of [
  ['gzip', CompressionType.Gzip],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
] as const) {
  test(`${name}: a bomb is CorruptMessage, sync and async`, async () => {
    const packed = compress(type, bomb);
    assert.ok(packed.length < bomb.length / 100, `${name} packs zeros well (${packed.length} bytes)`);
    const isCorrupt = (e: unknown) => e instanceof ProtocolError && e.code === ProtocolErrorCode.CorruptMessage;
    assert.throws(() => decompress(type, packed), isCorrupt);
    await assert.rejects(decompressAsync(type, packed), isCorrupt);
    const fine = Buffer.alloc(8 * 1024 * 1024, 7);
    assert.deepStrictEqual(decompress(type, compress(type, fine)), fine);
  });
}

test('the zstd bound covers what a frame really holds', () => {
  for (const size of [0, 1, 1000, 200_000, 3_000_000]) {
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31) % 251;
    const bound = zstdOutputBound(compress(CompressionType.Zstd, data));
    assert.ok(bound >= size, `bound ${bound} < ${size}`);
  }
});
