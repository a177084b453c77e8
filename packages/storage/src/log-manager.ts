import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BatchCodec } from './batch-codec.js';
import { fsyncDirectory } from './checkpoint-file.js';
import type { LogConfig } from './config.js';
import { FilePool } from './file-pool.js';
import { CLEAN_SHUTDOWN_MARKER, DELETE_DIR_SUFFIX, parsePartitionDirName, partitionDirName } from './file-names.js';
import { PartitionLog, type Clock, type RetentionResult } from './partition-log.js';

export interface LogManagerOptions {
  /** The config for partitions found on disk at startup (the broker can update them after). */
  configFor: (topic: string, partition: number) => LogConfig;
  clock?: Clock;
  codec?: BatchCodec;
  /** Most segment files open at once (see FilePool); default 1000. */
  maxOpenFiles?: number;
}

/** What one partition's recovery did, for the broker's log. */
export interface RecoveredLog {
  name: string;
  segmentsChecked: number;
  /** Recovery re-checked the log from this offset (the start of the segment holding the recovery point). */
  checkedFromOffset: number;
  checkedBytes: number;
  truncatedBytes: number;
  /** Where the log was cut (its new end offset), or -1 when nothing was cut. */
  truncatedAtOffset: number;
  logEndOffset: number;
  problems: string[];
}

/** What opening the data directory found. */
export interface LoadSummary {
  partitions: number;
  cleanShutdown: boolean;
  /** Partitions recovery had work on (unflushed records re-checked, or something cut off). */
  recovered: RecoveredLog[];
  durationMs: number;
}

const DEFAULT_MAX_OPEN_FILES = 1000;
/** Checkpoint files written at once: each takes a thread-pool thread through two fsyncs. */
const CHECKPOINT_CONCURRENCY = 2;

/** Waits for every promise; rejects with the first failure once all settled. */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const failure = (await Promise.allSettled(promises)).find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * The logs of one data directory (Kafka's `log.dirs` entry): `<dataDir>/<topic>-<partition>/`.
 *
 * Owns the clean-shutdown marker `.gregor_cleanshutdown`: written by close() after every log is
 * flushed and closed, and removed as soon as the logs are loaded at startup, so its presence at
 * startup proves the previous process closed everything. Without it, each log recovers from its
 * recovery point (see PartitionLog / loadSegments).
 *
 * Deleting a partition renames its directory to `<topic>-<partition>.<uuid>-delete` (so a new
 * partition of the same name can be created at once) and removes it in the background;
 * leftovers of such deletions are removed at startup.
 */
export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  /** Whether the previous shutdown was clean (for metrics and tests). */
  readonly hadCleanShutdown: boolean;
  /** The descriptors of every segment file in this directory. */
  readonly files: FilePool;
  readonly loadSummary: LoadSummary;
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly options: LogManagerOptions,
  ) {
    const started = performance.now();
    this.files = new FilePool(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    const recovered: RecoveredLog[] = [];
    fs.mkdirSync(dataDir, { recursive: true });
    const marker = path.join(dataDir, CLEAN_SHUTDOWN_MARKER);
    this.hadCleanShutdown = fs.existsSync(marker);
    for (const name of fs.readdirSync(dataDir)) {
      const dir = path.join(dataDir, name);
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      const parsed = parsePartitionDirName(name);
      if (!parsed || !fs.statSync(dir).isDirectory()) continue;
      const log = PartitionLog.open(
        dir,
        options.configFor(parsed.topic, parsed.partition),
        this.openOptions(this.hadCleanShutdown),
      );
      this.logs.set(name, log);
      if (log.neededRecovery) recovered.push(recoveredLog(name, log));
    }
    fs.rmSync(marker, { force: true });
    fsyncDirectory(dataDir);
    this.loadSummary = {
      partitions: this.logs.size,
      cleanShutdown: this.hadCleanShutdown,
      recovered,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** Loads every partition log under `dataDir`, recovering them if the last shutdown was unclean. */
  static open(dataDir: string, options: LogManagerOptions): LogManager {
    return new LogManager(dataDir, options);
  }

  private openOptions(cleanShutdown: boolean): Parameters<typeof PartitionLog.open>[2] {
    return {
      cleanShutdown,
      files: this.files,
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.codec ? { codec: this.options.codec } : {}),
    };
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  /** The existing log, or a new empty one with `config`; a failed creation leaves no directory behind. */
  getOrCreateLog(topic: string, partition: number, config: LogConfig): PartitionLog {
    const name = partitionDirName(topic, partition);
    let log = this.logs.get(name);
    if (!log) {
      const dir = path.join(this.dataDir, name);
      const existed = fs.existsSync(dir);
      try {
        log = PartitionLog.open(dir, config, this.openOptions(true));
      } catch (err) {
        if (!existed) fs.rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      fsyncDirectory(this.dataDir);
      this.logs.set(name, log);
    }
    return log;
  }

  /** Removes a partition's log: renamed out of the way now, files removed asynchronously. */
  async deleteLog(topic: string, partition: number): Promise<boolean> {
    const name = partitionDirName(topic, partition);
    const log = this.logs.get(name);
    if (!log) return false;
    this.logs.delete(name);
    log.closeForDeletion();
    const doomed = path.join(this.dataDir, `${name}.${randomUUID().replaceAll('-', '')}${DELETE_DIR_SUFFIX}`);
    fs.renameSync(log.dir, doomed);
    fsyncDirectory(this.dataDir);
    await fs.promises.rm(doomed, { recursive: true, force: true });
    return true;
  }

  /** All open logs keyed by `<topic>-<partition>`. */
  allLogs(): ReadonlyMap<string, PartitionLog> {
    return this.logs;
  }

  /** Runs retention on every log (the broker calls this every log.retention.check.interval.ms). */
  applyRetention(now?: number): Map<string, RetentionResult> {
    const results = new Map<string, RetentionResult>();
    for (const [name, log] of this.logs) {
      const result = log.applyRetention(now);
      if (result.deletedSegments > 0) results.set(name, result);
    }
    return results;
  }

  /**
   * flush.ms for every log (the broker's flush scheduler, every log.flush.scheduler.interval.ms):
   * starts the flushes that are due, on the thread pool, and resolves when they are done
   * (rejecting with the first failure).
   */
  async flushDue(now?: number): Promise<void> {
    const flushes: Promise<void>[] = [];
    for (const log of this.logs.values()) {
      const flush = log.flushIfDue(now);
      if (flush) flushes.push(flush);
    }
    await settleAll(flushes);
  }

  /**
   * Writes the offsets checkpoint of every log whose high watermark moved since its last one
   * (Kafka's replica.high.watermark.checkpoint.interval.ms task). In the background, a few logs
   * at a time; a round still running when the next is due makes the next one a no-op.
   */
  checkpointHighWatermarks(): Promise<void> {
    return this.checkpointRound('highWatermark');
  }

  /** The same for recovery points (Kafka's log.flush.offset.checkpoint.interval.ms task). */
  checkpointRecoveryPoints(): Promise<void> {
    return this.checkpointRound('recoveryPoint');
  }

  /** Flushes every log and checkpoints recovery points and high watermarks. */
  async checkpoint(): Promise<void> {
    await settleAll([...this.logs.values()].map((log) => log.flush()));
  }

  private readonly checkpointing = new Set<string>();

  private async checkpointRound(field: 'highWatermark' | 'recoveryPoint'): Promise<void> {
    if (this.checkpointing.has(field)) return;
    this.checkpointing.add(field);
    try {
      const logs = [...this.logs.values()];
      const failures: unknown[] = [];
      const worker = async (): Promise<void> => {
        for (let log = logs.pop(); log; log = logs.pop())
          await log.checkpoint(field).catch((err: unknown) => failures.push(err));
      };
      await Promise.all(Array.from({ length: CHECKPOINT_CONCURRENCY }, worker));
      if (failures.length > 0) throw failures[0];
    } finally {
      this.checkpointing.delete(field);
    }
  }

  /** Total bytes per log (DescribeLogDirs). */
  sizes(): Map<string, number> {
    return new Map([...this.logs].map(([name, log]) => [name, log.size]));
  }

  /** Closes every log and then writes the clean-shutdown marker. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const log of this.logs.values()) log.close();
    this.logs.clear();
    this.files.closeAll();
    fs.writeFileSync(path.join(this.dataDir, CLEAN_SHUTDOWN_MARKER), '');
    fsyncDirectory(this.dataDir);
  }
}

function recoveredLog(name: string, log: PartitionLog): RecoveredLog {
  const r = log.loadReport;
  return {
    name,
    segmentsChecked: r.recoveredSegments,
    checkedFromOffset: r.recoveredFromOffset,
    checkedBytes: r.checkedBytes,
    truncatedBytes: r.truncatedBytes,
    truncatedAtOffset: r.truncatedAtOffset,
    logEndOffset: log.logEndOffset,
    problems: r.problems,
  };
}
