import path from 'node:path';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import { PARTITION_CHECKPOINT } from './file-names.js';

/**
 * `partition-offsets-checkpoint`: the per-partition offsets that must survive a restart, in
 * Kafka's checkpoint text format with one named entry per line:
 *
 *   0
 *   3
 *   log-start-offset <n>   moved by DeleteRecords (written at once) and retention
 *   recovery-point <n>     every offset below was fsynced: recovery after a crash starts here
 *   high-watermark <n>     written by flush()/close(), like Kafka's periodic HW checkpoint
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

export function writePartitionOffsets(dir: string, offsets: PartitionOffsets): void {
  writeCheckpoint(path.join(dir, PARTITION_CHECKPOINT), [
    ['log-start-offset', offsets.logStartOffset],
    ['recovery-point', offsets.recoveryPoint],
    ['high-watermark', offsets.highWatermark],
  ]);
}
