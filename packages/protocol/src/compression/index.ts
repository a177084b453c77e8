import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { CompressionType } from '../records/batch-header.js';
import { gzipCompress, gzipCompressAsync, gzipDecompress, gzipDecompressAsync } from './gzip.js';
import { lz4Compress, lz4CompressAsync, lz4Decompress, lz4DecompressAsync } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

export { CompressionType } from '../records/batch-header.js';
export { XERIAL_MAGIC, isXerialFramed } from './snappy.js';
export { LZ4_FRAME_MAGIC, LZ4_FLG_BLOCK_INDEPENDENCE, lz4CompressLegacy, lz4DecompressLegacy } from './lz4.js';
export { xxhash32 } from './xxhash32.js';

export const compressionTypeName = (type: number): string =>
  ['none', 'gzip', 'snappy', 'lz4', 'zstd'][type] ?? `unknown(${type})`;

/** Narrows the three compression bits of an attributes field; 5-7 are not codecs Kafka defines. */
export function toCompressionType(bits: number): CompressionType {
  if (bits >= CompressionType.None && bits <= CompressionType.Zstd) return bits as CompressionType;
  throw new ProtocolError(ProtocolErrorCode.CorruptMessage, `unknown compression type ${bits}`);
}

interface Codec {
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
  compressAsync(data: Buffer): Promise<Buffer>;
  decompressAsync(data: Buffer): Promise<Buffer>;
}

// Snappy and zstd have no cheap async path in their bindings for one-shot buffers; they run inline
// (as does LZ4 decompression, which lz4.ts drives block by block).
const inline = (f: (data: Buffer) => Buffer) => (data: Buffer) => Promise.resolve().then(() => f(data));

const codecs: Record<CompressionType, Codec> = {
  [CompressionType.None]: {
    compress: (d) => d,
    decompress: (d) => d,
    compressAsync: (d) => Promise.resolve(d),
    decompressAsync: (d) => Promise.resolve(d),
  },
  [CompressionType.Gzip]: {
    compress: gzipCompress,
    decompress: gzipDecompress,
    compressAsync: gzipCompressAsync,
    decompressAsync: gzipDecompressAsync,
  },
  [CompressionType.Snappy]: {
    compress: snappyCompress,
    decompress: snappyDecompress,
    compressAsync: inline(snappyCompress),
    decompressAsync: inline(snappyDecompress),
  },
  [CompressionType.Lz4]: {
    compress: lz4Compress,
    decompress: lz4Decompress,
    compressAsync: lz4CompressAsync,
    decompressAsync: lz4DecompressAsync,
  },
  [CompressionType.Zstd]: {
    compress: zstdCompress,
    decompress: zstdDecompress,
    compressAsync: inline(zstdCompress),
    decompressAsync: inline(zstdDecompress),
  },
};

const codec = (type: number): Codec => codecs[toCompressionType(type)];

/**
 * Codec libraries throw plain Errors (or RangeErrors on absurd sizes) on bad input; the record
 * layer promises one typed failure, so anything but a ProtocolError becomes CorruptMessage.
 */
export function asCorrupt(type: number, e: unknown): ProtocolError {
  if (e instanceof ProtocolError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new ProtocolError(
    ProtocolErrorCode.CorruptMessage,
    `${compressionTypeName(type)} decompression failed: ${why}`,
  );
}

export function compress(type: CompressionType, data: Buffer): Buffer {
  return codec(type).compress(data);
}

export function decompress(type: CompressionType, data: Buffer): Buffer {
  const c = codec(type);
  try {
    return c.decompress(data);
  } catch (e) {
    throw asCorrupt(type, e);
  }
}

export function compressAsync(type: CompressionType, data: Buffer): Promise<Buffer> {
  return codec(type).compressAsync(data);
}

export async function decompressAsync(type: CompressionType, data: Buffer): Promise<Buffer> {
  const c = codec(type);
  try {
    return await c.decompressAsync(data);
  } catch (e) {
    throw asCorrupt(type, e);
  }
}
