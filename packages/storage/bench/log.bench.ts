/**
 * Partition log throughput: appends of 1 MiB and 16 KiB batches (the default flush policy, so
 * page-cache speed plus CRC validation) and a sequential fetch of everything written.
 * Run directly: `node --import tsx packages/storage/bench/log.bench.ts [totalMiB]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PartitionLog, logConfig } from '../src/index.js';
import { makeBatch } from '../test/support/records.js';

export interface LogBenchResult {
  name: string;
  bytes: number;
  seconds: number;
  mbPerSecond: number;
  opsPerSecond: number;
}

/** One client-style batch of about `size` bytes made of 1 KiB records. */
function batchOf(size: number): Buffer {
  const count = Math.max(1, Math.floor(size / 1_040));
  return makeBatch(Array.from({ length: count }, (_, i) => ({ key: `key-${i}`, value: Buffer.alloc(1_024, i % 251) })));
}

function measure(name: string, bytes: number, ops: number, run: () => void): LogBenchResult {
  const start = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { name, bytes, seconds, mbPerSecond: bytes / 1_048_576 / seconds, opsPerSecond: ops / seconds };
}

export async function runLogBenchmark(totalMiB = 256): Promise<LogBenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-log-bench-'));
  const results: LogBenchResult[] = [];
  try {
    for (const [label, batchSize] of [
      ['append 1 MiB batches', 1_048_576],
      ['append 16 KiB batches', 16_384],
    ] as const) {
      const log = PartitionLog.open(
        path.join(dir, `${batchSize}-0`),
        logConfig({ segmentBytes: 128 * 1_048_576, maxMessageBytes: 2 * 1_048_576 }),
      );
      const batch = batchOf(batchSize);
      const count = Math.ceil((totalMiB * 1_048_576) / batch.length);
      // Offsets are patched in place and the CRC does not cover them: one buffer serves every append.
      results.push(
        measure(label, count * batch.length, count, () => {
          for (let i = 0; i < count; i++) log.append(batch, { leaderEpoch: 0, assignOffsets: true });
        }),
      );
      if (batchSize === 1_048_576) {
        log.updateHighWatermark(log.logEndOffset);
        let bytes = 0;
        let fetches = 0;
        results.push(
          measure('read sequential (1 MiB fetches)', log.size, 0, () => {
            for (let offset = 0; offset < log.logEndOffset; fetches++) {
              const result = log.read(offset, 1_048_576, { maxOffset: log.highWatermark });
              bytes += result.records.length;
              offset = result.nextOffset;
            }
          }),
        );
        const read = results.at(-1) as LogBenchResult;
        read.opsPerSecond = fetches / read.seconds;
        if (bytes !== log.size) throw new Error(`read ${bytes} bytes of ${log.size}`);
      }
      log.close();
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const totalMiB = Number(process.argv[2] ?? 256);
  const results = await runLogBenchmark(totalMiB);
  console.table(
    results.map((r) => ({
      benchmark: r.name,
      MiB: (r.bytes / 1_048_576).toFixed(0),
      'MB/s': r.mbPerSecond.toFixed(0),
      'ops/s': r.opsPerSecond.toFixed(0),
      seconds: r.seconds.toFixed(2),
    })),
  );
}
