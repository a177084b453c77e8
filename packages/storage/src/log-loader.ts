import fs from 'node:fs';
import path from 'node:path';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TMP_SUFFIX,
  parseSegmentFileName,
  segmentFile,
} from './file-names.js';
import type { FilePool } from './file-pool.js';
import { LogSegment, type SegmentConfig } from './log-segment.js';

export interface LoadOptions {
  /** The data directory's clean-shutdown marker was present: trust the files. */
  cleanShutdown: boolean;
  /** Everything below this offset was fsynced before the crash; recovery starts at its segment. */
  recoveryPoint: number;
  now: number;
  files: FilePool;
}

export interface LoadReport {
  segments: LogSegment[];
  /** The checkpointed recovery point loading started from. */
  recoveryPoint: number;
  /** Segments whose batches were all re-read and CRC-checked. */
  recoveredSegments: number;
  /** Base offset of the first recovered segment (recovery checks from there on), or -1. */
  recoveredFromOffset: number;
  /** Bytes of batches re-read and CRC-checked by recovery (what was kept). */
  checkedBytes: number;
  /** Bytes cut off torn or corrupt tails (and segments deleted after a corrupt one). */
  truncatedBytes: number;
  /** The offset the log was cut at (its end offset after recovery), or -1 when nothing was cut. */
  truncatedAtOffset: number;
  problems: string[];
}

/**
 * Opens the segments of a partition directory, first finishing or undoing whatever a crash
 * interrupted:
 *
 * - `.tmp`, `.deleted`, `.cleaned` files are leftovers of writes that never completed: deleted.
 * - a `<base>.log.swap` is a cleaned segment that was ready to replace the segments covering
 *   its offsets: those are deleted and the swap file takes the `.log` name (its indexes are
 *   rebuilt rather than trusted). See LogCleaner for the write order that makes this safe.
 *
 * Then, after an unclean shutdown, every segment from the one holding the recovery point on is
 * re-read and CRC-checked (LogSegment.recover); the first invalid batch ends the log, and any
 * later segments are deleted. After a clean shutdown only the active segment's tail is
 * re-framed (cheap) to find the log end.
 */
export function loadSegments(dir: string, config: SegmentConfig, options: LoadOptions): LoadReport {
  const report: LoadReport = {
    segments: [],
    recoveryPoint: options.recoveryPoint,
    recoveredSegments: 0,
    recoveredFromOffset: -1,
    checkedBytes: 0,
    truncatedBytes: 0,
    truncatedAtOffset: -1,
    problems: [],
  };
  const names = fs.readdirSync(dir);
  for (const name of names)
    if (name.endsWith(TMP_SUFFIX) || name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX))
      fs.rmSync(path.join(dir, name), { force: true });
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed && parsed.suffix !== LOG_SUFFIX + SWAP_SUFFIX && parsed.suffix.endsWith(SWAP_SUFFIX))
      fs.rmSync(path.join(dir, name), { force: true });
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed?.suffix === LOG_SUFFIX + SWAP_SUFFIX) completeSwap(dir, parsed.baseOffset, config, options);
  }

  const bases = new Set<number>();
  for (const name of fs.readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (parsed?.suffix === LOG_SUFFIX) bases.add(parsed.baseOffset);
  }
  // Index files whose log is gone would be mistaken for a new segment's: remove them.
  for (const name of fs.readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (
      parsed &&
      (parsed.suffix === INDEX_SUFFIX || parsed.suffix === TIME_INDEX_SUFFIX) &&
      !bases.has(parsed.baseOffset)
    )
      fs.rmSync(path.join(dir, name), { force: true });
  }
  const segments = [...bases]
    .sort((a, b) => a - b)
    .map((base) => LogSegment.open(dir, base, config, options.now, { files: options.files }));
  for (let i = 0; i + 1 < segments.length; i++)
    (segments[i] as LogSegment).nextOffset = (segments[i + 1] as LogSegment).baseOffset;

  if (!options.cleanShutdown) {
    let first = segments.findLastIndex((s) => s.baseOffset <= options.recoveryPoint);
    if (first < 0) first = 0;
    // Always at least the last segment: appends after the last flush may be torn.
    first = Math.min(first, segments.length - 1);
    for (let i = Math.max(first, 0); i < segments.length; i++) {
      const segment = segments[i] as LogSegment;
      const result = segment.recover();
      if (report.recoveredSegments++ === 0) report.recoveredFromOffset = segment.baseOffset;
      report.checkedBytes += segment.size;
      report.truncatedBytes += result.truncatedBytes;
      if (result.truncatedBytes > 0 && report.truncatedAtOffset < 0) report.truncatedAtOffset = segment.nextOffset;
      if (result.problem !== undefined) report.problems.push(`${segment.logFile}: ${result.problem}`);
      if (result.truncatedBytes > 0 && i + 1 < segments.length) {
        // Data after a corrupt batch cannot be trusted to continue the log: drop later segments.
        for (const later of segments.splice(i + 1)) {
          report.truncatedBytes += later.size;
          report.problems.push(`${later.logFile}: deleted, follows a corrupt segment`);
          later.delete();
        }
      }
    }
  } else if (segments.length > 0) {
    const last = segments.at(-1) as LogSegment;
    const result = last.loadTail();
    report.truncatedBytes += result.truncatedBytes;
    if (result.truncatedBytes > 0) report.truncatedAtOffset = last.nextOffset;
    if (result.problem !== undefined) report.problems.push(`${last.logFile}: ${result.problem}`);
  }
  for (const segment of segments.slice(0, -1)) segment.onBecomeInactive();
  report.segments = segments;
  return report;
}

/** Finishes a cleaner swap interrupted by a crash (see LogCleaner). */
function completeSwap(dir: string, baseOffset: number, config: SegmentConfig, options: LoadOptions): void {
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX])
    fs.rmSync(segmentFile(dir, baseOffset, suffix + SWAP_SUFFIX), { force: true });
  const swapped = LogSegment.open(dir, baseOffset, config, options.now, { suffix: SWAP_SUFFIX, files: options.files });
  swapped.recover();
  const end = Math.max(swapped.nextOffset, baseOffset + 1);
  for (const name of fs.readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (!parsed || parsed.suffix.endsWith(SWAP_SUFFIX)) continue;
    if (parsed.baseOffset >= baseOffset && parsed.baseOffset < end) fs.rmSync(path.join(dir, name), { force: true });
  }
  swapped.changeSuffix(SWAP_SUFFIX, '');
  swapped.close();
}
