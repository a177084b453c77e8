import path from 'node:path';

/**
 * Names of the files in a partition directory. Segment files are named by their base offset,
 * zero-padded to 20 digits (the width of Long.MAX_VALUE) so a plain directory listing sorts
 * them in offset order, exactly as Kafka names them.
 */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** A segment the cleaner is still writing; deleted on startup. */
export const CLEANED_SUFFIX = '.cleaned';
/** A cleaned segment ready to replace the ones it covers; the swap is completed on startup. */
export const SWAP_SUFFIX = '.swap';
/** A file being replaced; deleted on startup. */
export const DELETED_SUFFIX = '.deleted';
/** A checkpoint being written (write-then-rename); deleted on startup. */
export const TMP_SUFFIX = '.tmp';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** Per-partition offsets that must survive restarts: log start, recovery point, high watermark. */
export const PARTITION_CHECKPOINT = 'partition-offsets-checkpoint';
/** At the data-directory level: present only while no log is open (written by a clean close). */
export const CLEAN_SHUTDOWN_MARKER = '.gregor_cleanshutdown';
/** A partition directory awaiting removal: `<topic>-<partition>.<id>-delete`. */
export const DELETE_DIR_SUFFIX = '-delete';

export function offsetFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

export function segmentFile(dir: string, baseOffset: number, suffix: string): string {
  return path.join(dir, offsetFileName(baseOffset) + suffix);
}

/** The base offset a segment file is named after, or undefined if the name is not one. */
export function parseSegmentFileName(name: string): { baseOffset: number; suffix: string } | undefined {
  const match = /^(\d{20})(\.[a-z.]+)$/.exec(name);
  if (!match?.[1] || !match[2]) return undefined;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return undefined;
  return { baseOffset, suffix: match[2] };
}

/** `<topic>-<partition>` directory name; topics may contain '-', the partition is the last part. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const match = /^(.+)-(\d+)$/.exec(name);
  if (!match?.[1] || !match[2]) return undefined;
  return { topic: match[1], partition: Number(match[2]) };
}
