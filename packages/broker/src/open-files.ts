/**
 * The process's open-files limit (`ulimit -n`) against what the broker may want: checked at
 * start, it sets how many segment files the logs keep open (`log.max.open.files`) and warns
 * when the limit is below what the partitions could use.
 *
 * Every partition's active segment has three files (.log, .index, .timeindex); older segments
 * are opened when read. The logs keep at most `log.max.open.files` of them open (least recently
 * used closed first), so a low limit costs reopening files, not failures; the rest of the limit
 * is left for connections, checkpoints and the metadata file.
 */
import { readFileSync } from 'node:fs';

export const FILES_PER_PARTITION = 3;
/** Descriptors kept out of the logs' share: client connections, checkpoint and metadata writes. */
export const HEADROOM = 512;
const MIN_SEGMENT_FILES = 16;

export interface OpenFilesLimit {
  soft: number;
  hard: number;
}

/** The soft and hard open-files limits from /proc/self/limits (undefined where there is none: not Linux). */
export function readOpenFilesLimit(limitsFile = '/proc/self/limits'): OpenFilesLimit | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return undefined;
  const parse = (v: string): number => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
  const soft = parse(match[1]!);
  const hard = parse(match[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

export interface OpenFilesPlan {
  /** The cap for the logs' descriptors. */
  maxOpenFiles: number;
  /** Descriptors the partitions could use with every active segment open, plus headroom. */
  wanted: number;
  /** Problems worth a warning (empty when the limit is comfortable). */
  warnings: string[];
}

/**
 * Decides the logs' descriptor cap from `log.max.open.files` (-1: automatic) and the limit, for
 * a broker hosting `partitions` partitions.
 */
export function planOpenFiles(
  configured: number,
  partitions: number,
  limit: OpenFilesLimit | undefined,
): OpenFilesPlan {
  const wanted = partitions * FILES_PER_PARTITION + HEADROOM;
  const warnings: string[] = [];
  const soft = limit?.soft ?? Number.POSITIVE_INFINITY;
  const usable = Math.max(MIN_SEGMENT_FILES, soft - HEADROOM);
  let maxOpenFiles: number;
  if (configured === -1)
    maxOpenFiles = Number.isFinite(soft) ? Math.max(MIN_SEGMENT_FILES, Math.floor(soft / 2)) : 100_000;
  else if (configured > usable) {
    maxOpenFiles = usable;
    warnings.push(
      `log.max.open.files=${configured} does not fit the open-files limit of ${soft} with ${HEADROOM} left for ` +
        `connections and checkpoints: using ${usable}`,
    );
  } else maxOpenFiles = configured;
  if (soft < wanted)
    warnings.push(
      `the open-files limit (ulimit -n) is ${soft}, below the ${wanted} that ${partitions} partitions could use ` +
        `(${FILES_PER_PARTITION} files each + ${HEADROOM}); segment files are capped at ${maxOpenFiles} open at ` +
        `once and reopened on demand, which costs some speed: raise the limit to at least ${wanted} ` +
        `(ulimit -n ${wanted}, or LimitNOFILE= in a systemd unit)`,
    );
  return { maxOpenFiles, wanted, warnings };
}
