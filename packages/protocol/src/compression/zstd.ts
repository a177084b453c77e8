import { zstdNative } from './native.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { MAX_DECOMPRESSED_BYTES } from './limits.js';

/** Zstandard as Kafka uses it (KIP-110): standard frames, default level (3, as the Java client). */
export const zstdCompress = (data: Buffer): Buffer => zstdNative().compress(data);

export function zstdDecompress(data: Buffer): Buffer {
  const bound = zstdOutputBound(data);
  if (bound > MAX_DECOMPRESSED_BYTES)
    throw new ProtocolError(
      ProtocolErrorCode.CorruptMessage,
      `zstd data may decompress to ${bound} bytes, more than the ${MAX_DECOMPRESSED_BYTES} a record set may hold`,
    );
  return zstdNative().decompress(data);
}

const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;

/**
 * An upper bound of what zstd `data` decompresses to, from frame and block headers alone
 * (RFC 8878): a raw or RLE block regenerates exactly its Block_Size, a compressed one at most
 * 128 KiB. zstd-napi would otherwise allocate a frame's declared content size up front.
 * Malformed headers are left for the decoder to reject.
 */
export function zstdOutputBound(data: Buffer): number {
  let total = 0;
  let p = 0;
  while (p + 4 <= data.length) {
    const magic = data.readUInt32LE(p);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // A skippable frame: magic, 4-byte size, payload; it regenerates nothing.
      if (p + 8 > data.length) return total;
      p += 8 + data.readUInt32LE(p + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC || p + 5 > data.length) return total;
    const descriptor = data[p + 4]!;
    const singleSegment = (descriptor >> 5) & 1;
    const fcsFlag = descriptor >> 6;
    const dictBytes = [0, 1, 2, 4][descriptor & 3]!;
    const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
    p += 5 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
    for (;;) {
      if (p + 3 > data.length) return total;
      const header = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16);
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      p += 3;
      if (type === 0) {
        total += size;
        p += size;
      } else if (type === 1) {
        total += size;
        p += 1;
      } else {
        total += BLOCK_MAX;
        p += size;
      }
      if (last) break;
    }
    if (descriptor & 4) p += 4; // content checksum
  }
  return total;
}
