/**
 * The JSON files of Kafka's replica tools, read and checked (every problem names the file and the
 * entry, and is a usage error):
 * - kafka-leader-election's `--path-to-json-file`: {"partitions":[{"topic":"t","partition":0}]}
 * - kafka-reassign-partitions' `--reassignment-json-file`:
 *   {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}
 * - its `--topics-to-move-json-file`: {"version":1,"topics":[{"topic":"t"}]}
 */
import { readFileSync } from 'node:fs';
import type { PartitionResult, TopicPartition } from '@gregor/client';
import { UsageError } from '../errors.js';

export interface ReplicaAssignment extends TopicPartition {
  replicas: number[];
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export const tpName = (p: TopicPartition): string => `${p.topic}-${p.partition}`;

/** A partition's error as `NAME (broker's message)`, without repeating the partition. */
export function errorText(r: PartitionResult): string {
  if (!r.error) return 'ok';
  const where = tpName(r);
  const m = r.error.message;
  const detail = m === where ? '' : m.startsWith(`${where}: `) ? m.slice(where.length + 2) : m;
  return detail === '' || detail === r.error.name ? r.error.name : `${r.error.name} (${detail})`;
}

/** A JSON document from `file`; an unreadable file or bad JSON is a usage error. */
export function readJsonFile(file: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${option}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function listOf(doc: unknown, key: string, file: string, shape: string): unknown[] {
  const list = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(list)) throw new UsageError(`${file}: expected ${shape}`);
  const version = (doc as { version?: unknown }).version;
  if (version !== undefined && version !== 1) throw new UsageError(`${file}: unsupported version ${String(version)}`);
  if (list.length === 0) throw new UsageError(`${file}: "${key}" is empty`);
  return list;
}

function topicPartitionOf(entry: unknown, where: string): TopicPartition & Record<string, unknown> {
  const e = (entry ?? {}) as Record<string, unknown>;
  if (typeof e.topic !== 'string' || e.topic === '')
    throw new UsageError(`${where}: "topic" must be a non-empty string`);
  if (!isId(e.partition)) throw new UsageError(`${where}: "partition" must be a non-negative integer`);
  return { ...e, topic: e.topic, partition: e.partition };
}

function noDuplicates(list: readonly TopicPartition[], file: string): void {
  const seen = new Set<string>();
  for (const p of list) {
    if (seen.has(tpName(p))) throw new UsageError(`${file}: partition ${tpName(p)} appears more than once`);
    seen.add(tpName(p));
  }
}

/** kafka-leader-election's partition list. */
export function parseElectionJson(doc: unknown, file: string): TopicPartition[] {
  const list = listOf(doc, 'partitions', file, '{"partitions":[{"topic":"t","partition":0}]}').map((e, i) => {
    const { topic, partition } = topicPartitionOf(e, `${file}: partitions[${i}]`);
    return { topic, partition };
  });
  noDuplicates(list, file);
  return list;
}

/** kafka-reassign-partitions' reassignment plan. `log_dirs` may only say "any" (no log-dir moves here). */
export function parseReassignmentJson(doc: unknown, file: string): ReplicaAssignment[] {
  const shape = '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}';
  const list = listOf(doc, 'partitions', file, shape).map((e, i): ReplicaAssignment => {
    const where = `${file}: partitions[${i}]`;
    const { topic, partition, replicas, log_dirs: logDirs } = topicPartitionOf(e, where);
    if (!Array.isArray(replicas) || replicas.length === 0 || !replicas.every(isId))
      throw new UsageError(`${where}: "replicas" must be a non-empty list of broker ids`);
    if (new Set(replicas).size !== replicas.length)
      throw new UsageError(`${where}: "replicas" lists a broker more than once (${replicas.join(',')})`);
    if (logDirs !== undefined) {
      if (!Array.isArray(logDirs) || logDirs.length !== replicas.length)
        throw new UsageError(`${where}: "log_dirs" must have one entry per replica`);
      if (logDirs.some((d) => d !== 'any'))
        throw new UsageError(`${where}: moving replicas between log directories is not supported; use "any"`);
    }
    return { topic, partition, replicas: replicas as number[] };
  });
  noDuplicates(list, file);
  return list;
}

/** kafka-reassign-partitions' topics to move. */
export function parseTopicsToMoveJson(doc: unknown, file: string): string[] {
  const topics = listOf(doc, 'topics', file, '{"version":1,"topics":[{"topic":"t"}]}').map((e, i) => {
    const topic = (e as { topic?: unknown } | null)?.topic;
    if (typeof topic !== 'string' || topic === '')
      throw new UsageError(`${file}: topics[${i}]: "topic" must be a non-empty string`);
    return topic;
  });
  return [...new Set(topics)];
}

/** A plan in Kafka's format, usable as a --reassignment-json-file. */
export function reassignmentJson(assignments: readonly ReplicaAssignment[]): string {
  return JSON.stringify({
    version: 1,
    partitions: assignments.map((a) => ({
      topic: a.topic,
      partition: a.partition,
      replicas: a.replicas,
      log_dirs: a.replicas.map(() => 'any'),
    })),
  });
}

/** `1,2,3`: broker ids (a usage error otherwise). */
export function parseBrokerList(list: string, option: string): number[] {
  const ids = list.split(',').map((s) => s.trim());
  if (ids.length === 0 || !ids.every((id) => /^\d+$/.test(id)))
    throw new UsageError(`${option} expects broker ids like 1,2,3, got '${list}'`);
  const out = ids.map(Number);
  if (new Set(out).size !== out.length) throw new UsageError(`${option} lists a broker more than once: '${list}'`);
  return out;
}

/**
 * Spreads `partitions` partitions with `replicationFactor` replicas over `brokers` as Kafka's
 * rack-unaware assignment does: each partition's first replica goes round-robin from a random
 * start, and the followers after it at a shift that grows every full round, so leaders and
 * followers both spread evenly.
 */
export function assignReplicas(
  brokers: readonly number[],
  partitions: number,
  replicationFactor: number,
  random: () => number = Math.random,
): number[][] {
  const sorted = [...brokers].sort((a, b) => a - b);
  const n = sorted.length;
  const start = Math.floor(random() * n);
  let shift = Math.floor(random() * n);
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + start) % n;
    const replicas = [sorted[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(sorted[(first + 1 + ((shift + j) % (n - 1))) % n]!);
    out.push(replicas);
  }
  return out;
}
