/**
 * How long the log's disk work blocks the event loop: the broker is single-threaded, so a stall
 * of a few seconds delays every connection (and, in a cluster, its ZooKeeper heartbeats).
 *
 * Two scenarios, each timed with `perf_hooks.monitorEventLoopDelay` (1 ms resolution):
 *
 * - flush: 1 MiB batches appended one per event-loop turn (like produce requests) with
 *   `flush.ms=100` checked every 100 ms by a timer (`LogManager.flushDue`, the broker's flush
 *   scheduler) and segments rolling every `segment.bytes`. Reports the loop delay and the append
 *   throughput.
 * - cold read: a log of `coldMiB` whose files are then dropped from the page cache
 *   (`dd iflag=nocache`, this file only), read from offset 0 in 1 MiB fetches with `read` (and
 *   `readAsync`, when the log has one), while a 1 ms timer runs.
 *
 * Run: `node --import tsx packages/storage/bench/event-loop.bench.ts [flushMiB] [coldMiB]`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { LogManager, logConfig, type PartitionLog, type ReadOptions, type ReadResult } from '../src/index.js';
import { makeBatch } from '../test/support/records.js';

const MiB = 1_048_576;

function batchOf(size: number): Buffer {
  const count = Math.max(1, Math.floor(size / 1_040));
  return makeBatch(Array.from({ length: count }, (_, i) => ({ key: `key-${i}`, value: Buffer.alloc(1_024, i % 251) })));
}

interface Figures {
  scenario: string;
  'MB/s': string;
  'loop max ms': string;
  'loop p99 ms': string;
  'loop mean ms': string;
  /** The longest synchronous stretch of the call under test: robust to a busy machine's scheduling noise. */
  'longest call ms': string;
  seconds: string;
}

/** Tracks the longest synchronous duration of the calls it wraps. */
class LongestCall {
  ns = 0n;
  time<T>(fn: () => T): T {
    const start = process.hrtime.bigint();
    try {
      return fn();
    } finally {
      const took = process.hrtime.bigint() - start;
      if (took > this.ns) this.ns = took;
    }
  }
}

async function timed(
  scenario: string,
  bytes: number,
  longest: LongestCall,
  run: () => Promise<void>,
): Promise<Figures> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  // Something must be scheduled for the loop delay to be observed while run() is awaiting I/O.
  const heartbeat = setInterval(() => undefined, 1);
  histogram.enable();
  const start = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  histogram.disable();
  clearInterval(heartbeat);
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  return {
    scenario,
    'MB/s': (bytes / MiB / seconds).toFixed(0),
    'loop max ms': ms(histogram.max),
    'loop p99 ms': ms(histogram.percentile(99)),
    'loop mean ms': ms(histogram.mean),
    'longest call ms': ms(Number(longest.ns)),
    seconds: seconds.toFixed(2),
  };
}

async function flushScenario(dir: string, totalMiB: number): Promise<Figures> {
  const config = logConfig({ segmentBytes: 128 * MiB, maxMessageBytes: 2 * MiB, flushMs: 100 });
  const manager = LogManager.open(path.join(dir, 'flush'), { configFor: () => config });
  const log = manager.getOrCreateLog('flush', 0, config);
  const batch = batchOf(MiB);
  const count = Math.ceil((totalMiB * MiB) / batch.length);
  const longest = new LongestCall();
  const longestFlushDue = new LongestCall();
  // The flush scheduler and the appends (a roll starts the previous segment's flush) are what may block.
  const scheduler = setInterval(() => void longest.time(() => longestFlushDue.time(() => manager.flushDue())), 100);
  try {
    return await timed(
      `flush: append ${totalMiB} MiB, flush.ms=100, roll every 128 MiB`,
      count * batch.length,
      longest,
      async () => {
        for (let i = 0; i < count; i++) {
          longest.time(() => log.append(batch, { leaderEpoch: 0, assignOffsets: true }));
          await turn();
        }
      },
    );
  } finally {
    console.log(`longest flushDue call: ${(Number(longestFlushDue.ns) / 1e6).toFixed(1)} ms`);
    clearInterval(scheduler);
    manager.close();
  }
}

function dropFromPageCache(logDir: string): void {
  for (const name of fs.readdirSync(logDir)) {
    const file = path.join(logDir, name);
    spawnSync('sync', [file]);
    spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
}

type Reader = (log: PartitionLog, offset: number, maxBytes: number, options: ReadOptions) => Promise<ReadResult>;

async function coldReadScenario(dir: string, totalMiB: number): Promise<Figures[]> {
  const config = logConfig({ segmentBytes: 256 * MiB, maxMessageBytes: 2 * MiB });
  const manager = LogManager.open(path.join(dir, 'cold'), { configFor: () => config });
  const log = manager.getOrCreateLog('cold', 0, config);
  const batch = batchOf(MiB);
  const count = Math.ceil((totalMiB * MiB) / batch.length);
  for (let i = 0; i < count; i++) log.append(batch, { leaderEpoch: 0, assignOffsets: true });
  log.updateHighWatermark(log.logEndOffset);
  const readers: [string, Reader][] = [['read (sync)', async (l, o, m, opts) => l.read(o, m, opts)]];
  // Before readAsync existed this bench measured read() alone: keep it runnable against both.
  const withAsync = log as unknown as { readAsync?: (o: number, m: number, opts: ReadOptions) => Promise<ReadResult> };
  if (typeof withAsync.readAsync === 'function')
    readers.push(['readAsync', (l, o, m, opts) => (l as unknown as Required<typeof withAsync>).readAsync(o, m, opts)]);
  const results: Figures[] = [];
  try {
    for (const [label, reader] of readers) {
      dropFromPageCache(log.dir);
      const longest = new LongestCall();
      results.push(
        await timed(`cold read ${totalMiB} MiB, 1 MiB fetches, ${label}`, log.size, longest, async () => {
          let bytes = 0;
          for (let offset = 0; offset < log.logEndOffset;) {
            // Timed up to the call's first await: the part that runs on the event loop.
            const result = await longest.time(() => reader(log, offset, MiB, { maxOffset: log.highWatermark }));
            bytes += result.records.length;
            offset = result.nextOffset;
            await turn();
          }
          if (bytes !== log.size) throw new Error(`read ${bytes} bytes of ${log.size}`);
        }),
      );
    }
  } finally {
    manager.close();
  }
  return results;
}

const flushMiB = Number(process.argv[2] ?? 1024);
const coldMiB = Number(process.argv[3] ?? 2048);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-loop-bench-'));
try {
  const rows = [await flushScenario(dir, flushMiB), ...(coldMiB > 0 ? await coldReadScenario(dir, coldMiB) : [])];
  console.table(rows);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
