import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { MAX_DECOMPRESSED_BYTES } from './limits.js';

/** Gzip as Kafka uses it: a plain gzip stream (RFC 1952) of the records section. */
export const gzipCompress = (data: Buffer): Buffer => gzipSync(data);
export const gzipDecompress = (data: Buffer): Buffer => gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });

// zlib's async variants run on the libuv thread pool, which keeps large batches off the event loop.
export const gzipCompressAsync: (data: Buffer) => Promise<Buffer> = promisify(gzip);
const gunzipAsync = promisify(gunzip);
export const gzipDecompressAsync = (data: Buffer): Promise<Buffer> =>
  gunzipAsync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
