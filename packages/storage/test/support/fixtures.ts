import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { logConfig, PartitionLog, type LogConfig, type OpenOptions } from '../../src/index.js';

/** A fresh temp directory, removed when the test file finishes. */
export function tempDir(prefix = 'gregor-storage-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A settable clock. */
export function manualClock(start = 1_000_000): { now: number; clock: () => number } {
  const c = { now: start, clock: () => c.now };
  return c;
}

export function openLog(dir: string, overrides: Partial<LogConfig> = {}, options: OpenOptions = {}): PartitionLog {
  return PartitionLog.open(path.join(dir, 'topic-0'), logConfig(overrides), options);
}

export const leader = { leaderEpoch: 0, assignOffsets: true } as const;

export function segmentFiles(logDir: string, suffix: string): string[] {
  return fs
    .readdirSync(logDir)
    .filter((f) => f.endsWith(suffix))
    .sort();
}

/** Inverts the bits of one byte (simulated disk corruption). */
export function flipByte(buf: Buffer, at: number): void {
  buf.writeUInt8(buf.readUInt8(at) ^ 0xff, at);
}
