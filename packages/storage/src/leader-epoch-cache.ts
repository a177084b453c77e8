import path from 'node:path';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import { LEADER_EPOCH_CHECKPOINT } from './file-names.js';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET, returned when an epoch is unknown. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/**
 * The leader-epoch history of a partition: for each leader epoch, the first offset written in
 * it. Followers use it (OffsetForLeaderEpoch) to find where their log diverged from the
 * leader's, so it must survive restarts: every change rewrites `leader-epoch-checkpoint`:
 *
 *   0                  version
 *   <n>                number of entries
 *   <epoch> <offset>   n lines, epochs and offsets strictly increasing
 *
 * Changes are rare (once per leader election, plus truncation and log-start moves), so the
 * synchronous fsynced rewrite stays off the append path in practice.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[];
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, LEADER_EPOCH_CHECKPOINT);
    this.entries = (readCheckpoint(this.file) ?? []).map(([epoch, offset]) => ({
      epoch: Number(epoch),
      startOffset: Number(offset),
    }));
    if (this.entries.some((e) => !Number.isInteger(e.epoch) || !Number.isInteger(e.startOffset)))
      throw new Error(`${this.file}: malformed entry`);
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  /**
   * Records that `epoch` starts at `startOffset`. A no-op for the current epoch (unless it now
   * starts earlier); entries the new one contradicts — a later or equal epoch, or one starting
   * at or after `startOffset` — are dropped, keeping both columns monotonic.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false;
    const latest = this.entries.at(-1);
    if (latest && latest.epoch === epoch && latest.startOffset <= startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.persist();
    return true;
  }

  /**
   * OffsetForLeaderEpoch's answer: the largest epoch ≤ `epoch` this log knows and the offset
   * where the next epoch starts (the log end offset for the latest epoch). Unknown: (-1, -1).
   */
  endOffsetFor(epoch: number, logEndOffset: number): EpochEntry & { endOffset: number } {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, startOffset: UNDEFINED_EPOCH_OFFSET, endOffset: -1 };
    if (epoch === UNDEFINED_EPOCH) return undefinedAnswer;
    const latest = this.entries.at(-1);
    if (latest && latest.epoch === epoch) return { ...latest, endOffset: logEndOffset };
    const higherIndex = this.entries.findIndex((e) => e.epoch > epoch);
    const higher = this.entries[higherIndex];
    if (!higher) return undefinedAnswer;
    const floor = this.entries[higherIndex - 1];
    // Requested epoch older than all we know: report it ending where our first epoch begins.
    if (!floor) return { epoch, startOffset: UNDEFINED_EPOCH_OFFSET, endOffset: higher.startOffset };
    return { ...floor, endOffset: higher.startOffset };
  }

  /** After the log is truncated to end at `endOffset`: forget epochs starting at or after it. */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.persist();
  }

  /**
   * After the log start moved to `startOffset`: epochs entirely before it are dropped and the
   * epoch in effect at it is recorded as starting there.
   */
  truncateFromStart(startOffset: number): void {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length && (this.entries[i] as EpochEntry).startOffset <= startOffset; i++)
      lastBefore = i;
    if (lastBefore < 0) return;
    const inEffect = this.entries[lastBefore] as EpochEntry;
    if (lastBefore === 0 && inEffect.startOffset === startOffset) return;
    this.entries = [{ epoch: inEffect.epoch, startOffset }, ...this.entries.slice(lastBefore + 1)];
    this.persist();
  }

  /** Forgets everything (log truncated fully). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.persist();
  }

  private persist(): void {
    writeCheckpoint(
      this.file,
      this.entries.map((e) => [e.epoch, e.startOffset]),
    );
  }
}
