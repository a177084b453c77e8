/**
 * Where `gregor consume` starts. --offset takes Kafka's and kcat's forms: N (absolute; needs
 * --partition, as in Kafka), beginning/earliest, end/latest, -N or end-N (N before the end of
 * each partition, never before its start), beginning+N. --from-timestamp takes epoch
 * milliseconds or an ISO 8601 date (2024-05-01, 2024-05-01T12:00:00Z).
 */
import type { Admin, PartitionAssignment } from '@gregor/client';
import { UsageError } from '../errors.js';

export type StartOffset =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'absolute'; offset: number }
  | { kind: 'from-end'; count: number }
  | { kind: 'from-start'; count: number };

export function parseStartOffset(value: string): StartOffset {
  const v = value.trim().toLowerCase();
  if (v === 'beginning' || v === 'earliest' || v === 'smallest') return { kind: 'earliest' };
  if (v === 'end' || v === 'latest' || v === 'largest') return { kind: 'latest' };
  let m = /^\d+$/.exec(v);
  if (m) return { kind: 'absolute', offset: Number(v) };
  m = /^(?:-|end-)(\d+)$/.exec(v);
  if (m) return { kind: 'from-end', count: Number(m[1]) };
  m = /^beginning\+(\d+)$/.exec(v);
  if (m) return { kind: 'from-start', count: Number(m[1]) };
  throw new UsageError(
    `--offset expects N, beginning, end, -N, end-N or beginning+N (also earliest/latest), got '${value}'`,
  );
}

/** Epoch milliseconds, or an ISO 8601 date/time (a date alone is midnight UTC, as Date.parse reads it). */
export function parseTimestamp(value: string): number {
  if (/^\d+$/.test(value.trim())) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`--from-timestamp expects epoch milliseconds or an ISO 8601 date, got '${value}'`);
}

/** Assignments for `partitions` of `topic` starting at `start`; relative forms look up the log's bounds. */
export async function startAssignments(
  admin: () => Promise<Admin>,
  topic: string,
  partitions: readonly number[],
  start: StartOffset,
): Promise<PartitionAssignment[]> {
  switch (start.kind) {
    case 'earliest':
    case 'latest':
      return partitions.map((partition) => ({ topic, partition, offset: start.kind }));
    case 'absolute':
      return partitions.map((partition) => ({ topic, partition, offset: start.offset }));
    default: {
      const client = await admin();
      const [first, end] = await Promise.all([
        client.listOffsets(topic, 'earliest', { partitions }),
        client.listOffsets(topic, 'latest', { partitions }),
      ]);
      const bound = new Map(first.map((p) => [p.partition, p.offset]));
      const last = new Map(end.map((p) => [p.partition, p.offset]));
      return partitions.map((partition) => {
        const lo = bound.get(partition) ?? 0;
        const hi = last.get(partition) ?? lo;
        const offset = start.kind === 'from-end' ? Math.max(lo, hi - start.count) : Math.min(hi, lo + start.count);
        return { topic, partition, offset };
      });
    }
  }
}
