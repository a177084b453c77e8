/**
 * Record-batch benchmark: encode and decode of one batch carrying ~1 MiB as 1 KiB records,
 * uncompressed and with each codec, plus CRC32C throughput. `benchRecords()` feeds the protocol
 * benchmark table (codec.bench.ts); run this file directly for the records table alone.
 */
import { crc32c } from '@node-rs/crc32';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressionTypeName, CompressionType } from '../src/compression/index.js';
import { decodeRecordBatch } from '../src/records/batch-decoder.js';
import { encodeRecordBatch } from '../src/records/batch-encoder.js';
import type { RecordInput } from '../src/records/types.js';
import { bench, printTable } from './harness.js';

const MiB = 1024 * 1024;
const RECORD_SIZE = 1024;

/** Log-line-like values: compressible the way real payloads are, not a run of one byte. */
function records(): RecordInput[] {
  const now = Date.now();
  return Array.from({ length: MiB / RECORD_SIZE }, (_, i) => {
    const line = `{"ts":${now + i},"user":"u${(i * 7919) % 10007}","action":"view","path":"/items/${(i * 31) % 997}","ms":${i % 89}} `;
    return {
      key: Buffer.from(`user-${i % 100}`),
      value: Buffer.from(line.repeat(Math.ceil(RECORD_SIZE / line.length))).subarray(0, RECORD_SIZE),
      timestamp: now + i,
      headers: [{ key: 'source', value: Buffer.from('bench') }],
    };
  });
}

export async function benchRecords(): Promise<Array<{ name: string; opsPerSec: number; mbPerSec: number }>> {
  const input = records();
  const results: Array<{ name: string; opsPerSec: number; mbPerSec: number }> = [];
  const add = (name: string, fn: () => unknown) => {
    const r = bench(name, fn, MiB);
    results.push({ name: r.name, opsPerSec: r.opsPerSec, mbPerSec: r.mbPerSec ?? 0 });
  };
  for (const compression of Object.values(CompressionType)) {
    const label = compressionTypeName(compression);
    const batch = encodeRecordBatch({ records: input, compression });
    add(`record batch 1 MiB / 1 KiB records, ${label}: encode (${(batch.length / 1024).toFixed(0)} KiB)`, () =>
      encodeRecordBatch({ records: input, compression }),
    );
    add(`record batch 1 MiB / 1 KiB records, ${label}: decode`, () => decodeRecordBatch(batch));
  }
  const block = Buffer.alloc(MiB, 0x5a);
  add('record batch CRC32C over 1 MiB', () => crc32c(block));
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = await benchRecords();
  printTable(`Gregor record batches, Node ${process.version}`, results);
  const crc = results.find((r) => r.name.includes('CRC32C'));
  if (crc) console.log(`\nCRC32C: ${(crc.mbPerSec / 1000).toFixed(2)} GB/s`);
}
