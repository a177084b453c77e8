import path from 'node:path';
import { readCheckpoint, writeCheckpoint, writeCheckpointAsync } from './checkpoint-file.js';
import { PARTITION_CHECKPOINT } from './file-names.js';

/**
 * `partition-offsets-checkpoint`: the per-partition offsets that must survive a restart, in
 * Kafka's checkpoint text format with one named entry per line:
 *
 *   0
 *   3
 *   log-start-offset <n>   moved by DeleteRecords (written at once) and retention (periodically)
 *   recovery-point <n>     every offset below was fsynced: recovery after a crash starts here
 *   high-watermark <n>     written periodically (LogManager.checkpointHighWatermarks) and by close()
 *
 * Kafka keeps these in three per-data-directory files; one small file per partition keeps a
 * partition self-contained (moving or deleting its directory moves or deletes its state).
 */
export interface PartitionOffsets {
  logStartOffset: number;
  recoveryPoint: number;
  highWatermark: number;
}

export function readPartitionOffsets(dir: string): Partial<PartitionOffsets> {
  let entries: string[][] | undefined;
  try {
    entries = readCheckpoint(path.join(dir, PARTITION_CHECKPOINT));
  } catch {
    // A corrupt checkpoint only costs a full recovery and the DeleteRecords position.
    entries = undefined;
  }
  const values: Partial<PartitionOffsets> = {};
  for (const [name, raw] of entries ?? []) {
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) continue;
    if (name === 'log-start-offset') values.logStartOffset = value;
    else if (name === 'recovery-point') values.recoveryPoint = value;
    else if (name === 'high-watermark') values.highWatermark = value;
  }
  return values;
}

function entries(offsets: PartitionOffsets): [string, number][] {
  return [
    ['log-start-offset', offsets.logStartOffset],
    ['recovery-point', offsets.recoveryPoint],
    ['high-watermark', offsets.highWatermark],
  ];
}

export function writePartitionOffsets(dir: string, offsets: PartitionOffsets): void {
  writeCheckpoint(path.join(dir, PARTITION_CHECKPOINT), entries(offsets));
}

/**
 * One partition's checkpoint file as its log writes it: synchronously when a change must be on
 * disk before the caller goes on (DeleteRecords, truncation, open, close), and in the background
 * for the periodic checkpoints (Kafka's `replica.high.watermark.checkpoint.interval.ms` and
 * `log.flush.offset.checkpoint.interval.ms`), one at a time. Nothing is written when the content
 * would not change. A background write overtaken by a synchronous one is dropped, so an older
 * content never replaces a newer one.
 */
export class PartitionOffsetsFile {
  /** What the file holds (a missing file reads as zeros). */
  private written: PartitionOffsets;
  /** Bumped by every synchronous write. */
  private syncWrites = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    onDisk: Partial<PartitionOffsets>,
  ) {
    this.written = {
      logStartOffset: onDisk.logStartOffset ?? 0,
      recoveryPoint: onDisk.recoveryPoint ?? 0,
      highWatermark: onDisk.highWatermark ?? 0,
    };
  }

  /** Whether `offsets` differ from the file (in `field` only, when given). */
  differs(offsets: PartitionOffsets, field?: keyof PartitionOffsets): boolean {
    if (field) return offsets[field] !== this.written[field];
    return (
      offsets.logStartOffset !== this.written.logStartOffset ||
      offsets.recoveryPoint !== this.written.recoveryPoint ||
      offsets.highWatermark !== this.written.highWatermark
    );
  }

  writeSync(offsets: PartitionOffsets): void {
    if (!this.differs(offsets)) return;
    this.syncWrites++;
    writePartitionOffsets(this.dir, offsets);
    this.written = { ...offsets };
  }

  /**
   * Writes `current()` (read when this write's turn comes) if it differs in `field` (any field
   * when not given), after the writes queued before it; `closed()` cancels a write not yet renamed.
   */
  writeAsync(current: () => PartitionOffsets, closed: () => boolean, field?: keyof PartitionOffsets): Promise<void> {
    const write = this.queue.then(async () => {
      if (closed()) return;
      const offsets = current();
      if (!this.differs(offsets, field)) return;
      const before = this.syncWrites;
      const committed = await writeCheckpointAsync(
        path.join(this.dir, PARTITION_CHECKPOINT),
        entries(offsets),
        () => !closed() && this.syncWrites === before,
      );
      if (committed) this.written = offsets;
    });
    this.queue = write.catch(() => undefined);
    return write;
  }
}
