import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';

/** Gzip as Kafka uses it: a plain gzip stream (RFC 1952) of the records section. */
export const gzipCompress = (data: Buffer): Buffer => gzipSync(data);
export const gzipDecompress = (data: Buffer): Buffer => gunzipSync(data);

// zlib's async variants run on the libuv thread pool, which keeps large batches off the event loop.
export const gzipCompressAsync: (data: Buffer) => Promise<Buffer> = promisify(gzip);
export const gzipDecompressAsync: (data: Buffer) => Promise<Buffer> = promisify(gunzip);
