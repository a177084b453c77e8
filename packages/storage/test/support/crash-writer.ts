/**
 * Child process for the crash test: appends batches forever to `<dataDir>/crash-0` with
 * flush.messages=1 and prints each acknowledged offset on its own line once its fsync completed
 * (stdout to a pipe is synchronous on Linux, so a printed offset was on disk before the line left).
 * The parent kills it with SIGKILL at a random moment.
 */
import { LogManager, logConfig } from '../../src/index.js';
import { makeBatch } from './records.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-writer <dataDir>');
const config = logConfig({ flushMessages: 1, segmentBytes: 64 * 1024, indexIntervalBytes: 1024 });
const manager = LogManager.open(dataDir, { configFor: () => config });
const log = manager.getOrCreateLog('crash', 0, config);
for (let i = log.logEndOffset; ; i++) {
  // Varying sizes (up to ~8 KB) so the kill can land mid-write of a large batch.
  const size = 100 + ((i * 7919) % 8_000);
  const result = log.append(makeBatch([{ key: `k${i}`, value: `v${i}:`.padEnd(size, '.') }]), {
    leaderEpoch: 0,
    assignOffsets: true,
  });
  // As the produce path does: the append returns at once, the acknowledgement waits for the fsync.
  await result.flushed;
  process.stdout.write(`${result.baseOffset}\n`);
}
