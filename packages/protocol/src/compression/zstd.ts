import { compress, decompress } from 'zstd-napi';

/** Zstandard as Kafka uses it (KIP-110): standard frames, default level (3, as the Java client). */
export const zstdCompress = (data: Buffer): Buffer => compress(data);
export const zstdDecompress = (data: Buffer): Buffer => decompress(data);
