/** `gregor topic create|list|alter|delete`, as kafka-topics.sh (`topic describe`: topic-describe.ts). */
import { KafkaError } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { table } from '../output.js';

export interface CreateOptions {
  partitions?: number;
  replicationFactor?: number;
  replicaAssignment?: string;
  config?: [string, string][];
  ifNotExists?: boolean;
}

/**
 * kafka-topics' `--replica-assignment 1:2:3,2:3:1`: partition i's replicas (the first is its
 * preferred leader) are the i-th comma-separated group. Every partition needs the same number
 * of distinct replicas.
 */
export function parseReplicaAssignment(text: string): { partition: number; replicas: number[] }[] {
  const groups = text.split(',').map((g) => g.trim());
  const out = groups.map((group, partition) => {
    const ids = group.split(':').map((id) => id.trim());
    if (!ids.every((id) => /^\d+$/.test(id)))
      throw new UsageError(
        `--replica-assignment: partition ${partition} ('${group}') must be broker ids separated by ':', as 1:2:3`,
      );
    const replicas = ids.map(Number);
    if (new Set(replicas).size !== replicas.length)
      throw new UsageError(`--replica-assignment: partition ${partition} lists a broker more than once (${group})`);
    return { partition, replicas };
  });
  const rf = out[0]!.replicas.length;
  const odd = out.find((p) => p.replicas.length !== rf);
  if (odd)
    throw new UsageError(
      `--replica-assignment: partition ${odd.partition} has ${odd.replicas.length} replica(s), partition 0 has ${rf}; every partition needs the same replication factor`,
    );
  return out;
}

export async function topicCreate(ctx: Context, name: string, o: CreateOptions): Promise<void> {
  if (o.replicaAssignment !== undefined && (o.partitions !== undefined || o.replicationFactor !== undefined))
    throw new UsageError(
      '--replica-assignment sets the partitions and their replicas; it excludes --partitions and --replication-factor',
    );
  const assignments = o.replicaAssignment === undefined ? undefined : parseReplicaAssignment(o.replicaAssignment);
  const admin = await ctx.admin();
  try {
    await admin.createTopics([
      {
        topic: name,
        numPartitions: o.partitions ?? -1,
        replicationFactor: o.replicationFactor ?? -1,
        ...(assignments ? { assignments } : {}),
        configs: Object.fromEntries(o.config ?? []),
      },
    ]);
  } catch (e) {
    if (o.ifNotExists && e instanceof KafkaError && e.name === 'TOPIC_ALREADY_EXISTS') return;
    throw e;
  }
  ctx.print(`Created topic ${name}.`);
}

export async function topicList(ctx: Context, o: { excludeInternal?: boolean; names?: boolean }): Promise<void> {
  const admin = await ctx.admin();
  const names = await admin.listTopics({ includeInternal: !o.excludeInternal });
  if (o.names) {
    for (const n of names) ctx.print(n);
    return;
  }
  const described = names.length > 0 ? await admin.describeTopics(names) : [];
  const rows = described
    .sort((a, b) => a.topic.localeCompare(b.topic))
    .map((t) => [t.topic, t.partitions.length, t.partitions[0]?.replicas.length ?? 0]);
  ctx.print(table(['TOPIC', 'PARTITIONS', 'REPLICATION-FACTOR'], rows, { color: ctx.out.enabled, alignRight: [1, 2] }));
}

export interface AlterOptions {
  partitions?: number;
  config?: [string, string][];
  deleteConfig?: string[];
}

export async function topicAlter(ctx: Context, name: string, o: AlterOptions): Promise<void> {
  const sets = o.config ?? [];
  const deletes = o.deleteConfig ?? [];
  if (o.partitions === undefined && sets.length === 0 && deletes.length === 0)
    throw new UsageError('topic alter needs --partitions, --config or --delete-config');
  const admin = await ctx.admin();
  const done: string[] = [];
  if (o.partitions !== undefined) {
    const [topic] = await admin.describeTopics([name]);
    const before = topic?.partitions.length ?? 0;
    if (o.partitions < before)
      throw new CliError(
        `topic '${name}' has ${before} partitions; the count can only grow (asked for ${o.partitions})`,
      );
    if (o.partitions > before) {
      await admin.createPartitions([{ topic: name, count: o.partitions }]);
      done.push(`partitions ${before} → ${o.partitions}`);
    } else done.push(`partitions already ${before}`);
  }
  if (sets.length > 0 || deletes.length > 0) {
    await admin.incrementalAlterConfigs([
      {
        type: 'topic',
        name,
        ops: [
          ...sets.map(([k, v]) => ({ name: k, op: 'set' as const, value: v })),
          ...deletes.map((k) => ({ name: k, op: 'delete' as const })),
        ],
      },
    ]);
    for (const [k, v] of sets) done.push(`set ${k}=${v}`);
    for (const k of deletes) done.push(`deleted ${k}`);
  }
  ctx.print(`Altered topic ${name}: ${done.join('; ')}.`);
}

export async function topicDelete(ctx: Context, name: string, o: { ifExists?: boolean }): Promise<void> {
  const admin = await ctx.admin();
  try {
    await admin.deleteTopics([name]);
  } catch (e) {
    if (o.ifExists && e instanceof KafkaError && e.name === 'UNKNOWN_TOPIC_OR_PARTITION') return;
    throw e;
  }
  ctx.print(`Deleted topic ${name}.`);
}
