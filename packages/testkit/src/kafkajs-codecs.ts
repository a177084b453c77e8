/**
 * Registers independent snappy (snappyjs), lz4 (lz4js) and zstd (zstd-wasm) codecs into kafkajs,
 * which ships only gzip, so tests can cross-check every compression type against kafkajs.
 * Shared by the protocol's record tests and the broker's kafkajs interop tests.
 */
import { init as zstdInit, compress as zstdWasmCompress, decompress as zstdWasmDecompress } from '@bokuweb/zstd-wasm';
import kafkajs from 'kafkajs';
import * as lz4js from 'lz4js';
import * as snappyjs from 'snappyjs';

/** Unwraps xerial framing by hand (independently of ours) or takes a raw block, via snappyjs. */
export function snappyjsDecompress(buf: Buffer): Buffer {
  if (buf.length < 16 || buf.readUInt8(0) !== 0x82 || buf.toString('latin1', 1, 7) !== 'SNAPPY') {
    return Buffer.from(snappyjs.uncompress(buf));
  }
  const blocks: Buffer[] = [];
  for (let at = 16; at < buf.length;) {
    const length = buf.readInt32BE(at);
    blocks.push(Buffer.from(snappyjs.uncompress(buf.subarray(at + 4, at + 4 + length))));
    at += 4 + length;
  }
  return Buffer.concat(blocks);
}

export interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
const codec = (compress: (b: Buffer) => Uint8Array, decompress: (b: Buffer) => Uint8Array) => (): KafkajsCodec => ({
  compress: async (encoder) => Buffer.from(compress(encoder.buffer)),
  decompress: async (buffer) => Buffer.from(decompress(buffer)),
});

export async function registerKafkajsCodecs(): Promise<void> {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  await zstdInit();
  CompressionCodecs[CompressionTypes.Snappy] = codec(snappyjs.compress, snappyjsDecompress);
  CompressionCodecs[CompressionTypes.LZ4] = codec(lz4js.compress, lz4js.decompress);
  CompressionCodecs[CompressionTypes.ZSTD] = codec((b) => zstdWasmCompress(b, 3), zstdWasmDecompress);
}
