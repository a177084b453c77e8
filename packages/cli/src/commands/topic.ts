/** `gregor topic create|list|describe|alter|delete`, as kafka-topics.sh. */
import { KafkaError } from '@gregor/client';
import type { ConfigEntry } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { fields, table } from '../output.js';

export interface CreateOptions {
  partitions?: number;
  replicationFactor?: number;
  config?: [string, string][];
  ifNotExists?: boolean;
}

export async function topicCreate(ctx: Context, name: string, o: CreateOptions): Promise<void> {
  const admin = await ctx.admin();
  try {
    await admin.createTopics([
      {
        topic: name,
        numPartitions: o.partitions ?? -1,
        replicationFactor: o.replicationFactor ?? -1,
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

const shownConfig = (c: ConfigEntry, all: boolean) => all || (!c.isDefault && c.source === 'dynamic-topic');

export async function topicDescribe(ctx: Context, name: string, o: { allConfigs?: boolean }): Promise<void> {
  const admin = await ctx.admin();
  const [topic] = await admin.describeTopics([name]);
  if (!topic) throw new CliError(`topic '${name}' does not exist`);
  const [configs] = await admin.describeConfigs([{ type: 'topic', name }]);
  const entries = (configs?.configs ?? [])
    .filter((c) => shownConfig(c, o.allConfigs === true))
    .sort((a, b) => a.name.localeCompare(b.name));
  ctx.print(
    fields([
      ['Topic', topic.topic],
      ['Topic ID', topic.topicId],
      ['Partitions', topic.partitions.length],
      ['Replication factor', topic.partitions[0]?.replicas.length ?? 0],
      ['Internal', topic.isInternal ? 'yes' : 'no'],
      ['Configs', entries.length === 0 ? '(none set on the topic)' : ''],
    ]).trimEnd(),
  );
  for (const c of entries)
    ctx.print(`  ${c.name}=${c.isSensitive ? '(sensitive)' : (c.value ?? '')}${o.allConfigs ? `  (${c.source})` : ''}`);
  ctx.print();
  const rows = [...topic.partitions]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => [p.partition, p.leader < 0 ? 'none' : p.leader, p.replicas.join(','), p.isr.join(',')]);
  ctx.print(table(['PARTITION', 'LEADER', 'REPLICAS', 'ISR'], rows, { color: ctx.out.enabled }));
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
