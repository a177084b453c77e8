/**
 * `gregor group reset-offsets`, as kafka-consumer-groups.sh --reset-offsets: a group (or
 * --all-groups), a scope (--topic T[:P,P…] repeatable, --all-topics: every topic the group has
 * committed, or --from-file CSV), one target (--to-earliest, --to-latest, --to-current,
 * --to-offset N, --shift-by N, --to-datetime ISO, --to-timestamp MS, --by-duration PnDTnHnMnS,
 * or the offsets in the file), and an action: a dry run (the default, the plan as a table) or
 * --execute (one commit per group); --export prints the plan as the CSV --from-file reads
 * instead of the table. Targets are clamped to each partition's log, as Kafka does; a group must
 * have no active members.
 */
import { readFileSync } from 'node:fs';
import { tpKey, type Admin } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { table } from '../output.js';

export interface ResetOptions {
  allGroups?: boolean;
  topic?: string[];
  allTopics?: boolean;
  fromFile?: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toCurrent?: boolean;
  toOffset?: number;
  shiftBy?: number;
  toDatetime?: number;
  toTimestamp?: number;
  /** Milliseconds back from now (--by-duration). */
  byDuration?: number;
  execute?: boolean;
  dryRun?: boolean;
  export?: boolean;
}

interface PlannedOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** `topic` or `topic:0,1,2`, as Kafka's --topic for reset-offsets. */
export function parseTopicSpec(spec: string): { topic: string; partitions: number[] | null } {
  const colon = spec.lastIndexOf(':');
  if (colon < 0) return { topic: spec, partitions: null };
  const list = spec.slice(colon + 1).split(',');
  if (colon === 0 || !list.every((p) => /^\d+$/.test(p.trim())))
    throw new UsageError(`--topic expects TOPIC or TOPIC:P,P…, got '${spec}'`);
  return { topic: spec.slice(0, colon), partitions: list.map(Number) };
}

/**
 * Kafka's reset CSV: `topic,partition,offset` per line, or `group,topic,partition,offset` (the
 * multi-group export), whose rows for other groups are skipped. Blank lines are ignored.
 */
export function parseResetCsv(text: string, groupId: string, file: string): PlannedOffset[] {
  const out: PlannedOffset[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const fields = line.split(',').map((f) => f.trim());
    const where = `${file} line ${i + 1}`;
    if (fields.length !== 3 && fields.length !== 4)
      throw new UsageError(
        `${where}: expected topic,partition,offset (or group,topic,partition,offset), got '${line}'`,
      );
    if (fields.length === 4 && fields[0] !== groupId) return;
    const [topic, partition, offset] = fields.slice(-3) as [string, string, string];
    if (topic === '') throw new UsageError(`${where}: empty topic`);
    if (!/^\d+$/.test(partition)) throw new UsageError(`${where}: partition must be a number, got '${partition}'`);
    if (!/^\d+$/.test(offset)) throw new UsageError(`${where}: offset must be a non-negative number, got '${offset}'`);
    const key = tpKey(topic, Number(partition));
    if (seen.has(key)) throw new UsageError(`${where}: ${topic}-${partition} appears twice`);
    seen.add(key);
    out.push({ topic, partition: Number(partition), offset: Number(offset) });
  });
  return out;
}

function readResetFile(file: string, groupId: string): PlannedOffset[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseResetCsv(text, groupId, file);
}

const TARGET_FLAGS =
  '--to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N, --to-datetime ISO, --to-timestamp MS, --by-duration PnDTnHnMnS, --from-file CSV';

function checkOptions(o: ResetOptions): void {
  const targets = [
    o.toEarliest,
    o.toLatest,
    o.toCurrent,
    o.toOffset !== undefined,
    o.shiftBy !== undefined,
    o.toDatetime !== undefined,
    o.toTimestamp !== undefined,
    o.byDuration !== undefined,
    o.fromFile !== undefined,
  ].filter(Boolean).length;
  if (targets !== 1) throw new UsageError(`reset-offsets needs exactly one of ${TARGET_FLAGS}`);
  const scopes = [(o.topic ?? []).length > 0, o.allTopics, o.fromFile !== undefined].filter(Boolean).length;
  if (o.fromFile !== undefined && scopes > 1)
    throw new UsageError('--from-file names its own partitions; leave out --topic and --all-topics');
  if (scopes !== 1) throw new UsageError('reset-offsets needs --topic T[:P,P…] (repeatable) or --all-topics');
  if (o.execute && o.dryRun) throw new UsageError('--execute and --dry-run exclude each other');
}

/** The partitions in scope, each with its log start and end. */
async function scopeWithBounds(
  admin: Admin,
  groupId: string,
  o: ResetOptions,
  fromFile: PlannedOffset[] | undefined,
  committed: Map<string, PlannedOffset>,
): Promise<{ topic: string; partition: number; low: number; high: number }[]> {
  const wanted = new Map<string, number[] | null>();
  const add = (topic: string, partitions: number[] | null) => {
    const before = wanted.get(topic);
    wanted.set(topic, before === null || partitions === null ? null : [...(before ?? []), ...partitions]);
  };
  if (fromFile) for (const f of fromFile) add(f.topic, [f.partition]);
  else if (o.allTopics) {
    for (const t of new Set([...committed.values()].map((c) => c.topic))) add(t, null);
  } else for (const spec of o.topic ?? []) add(parseTopicSpec(spec).topic, parseTopicSpec(spec).partitions);

  const out: { topic: string; partition: number; low: number; high: number }[] = [];
  for (const [topic, only] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const earliest = await admin.listOffsets(topic, 'earliest');
    const latest = await admin.listOffsets(topic, 'latest');
    const partitions = only ? [...new Set(only)].sort((a, b) => a - b) : earliest.map((e) => e.partition);
    for (const partition of partitions) {
      const low = earliest.find((e) => e.partition === partition)?.offset;
      const high = latest.find((e) => e.partition === partition)?.offset;
      if (low === undefined || high === undefined)
        throw new CliError(`topic '${topic}' has no partition ${partition} (it has ${earliest.length})`);
      out.push({ topic, partition, low, high });
    }
  }
  return out;
}

async function plan(admin: Admin, groupId: string, o: ResetOptions): Promise<PlannedOffset[]> {
  const fromFile = o.fromFile === undefined ? undefined : readResetFile(o.fromFile, groupId);
  const committed = new Map<string, PlannedOffset>();
  for (const c of await admin.listGroupOffsets(groupId)) committed.set(tpKey(c.topic, c.partition), c);
  const scope = await scopeWithBounds(admin, groupId, o, fromFile, committed);
  // A duration reaching before 1970 means "from the start"; negative times are ListOffsets' special values.
  const time =
    o.toDatetime ?? o.toTimestamp ?? (o.byDuration === undefined ? undefined : Math.max(0, Date.now() - o.byDuration));
  const byTime = new Map<string, number>();
  if (time !== undefined)
    for (const topic of new Set(scope.map((s) => s.topic)))
      for (const a of await admin.listOffsets(
        topic,
        { timestamp: time },
        {
          partitions: scope.filter((s) => s.topic === topic).map((s) => s.partition),
        },
      ))
        byTime.set(tpKey(topic, a.partition), a.offset);

  return scope.map(({ topic, partition, low, high }) => {
    const clamp = (n: number) => Math.min(Math.max(n, low), high);
    const current = committed.get(tpKey(topic, partition))?.offset;
    let offset: number;
    if (o.toEarliest) offset = low;
    else if (o.toLatest) offset = high;
    else if (o.toCurrent)
      offset = current ?? high; // nothing committed: the log end, as Kafka
    else if (o.toOffset !== undefined) offset = clamp(o.toOffset);
    else if (o.shiftBy !== undefined) {
      if (current === undefined)
        throw new CliError(`cannot shift ${topic}-${partition}: the group has no committed offset there`);
      offset = clamp(current + o.shiftBy);
    } else if (time !== undefined) {
      const at = byTime.get(tpKey(topic, partition)) ?? -1;
      offset = at >= 0 ? at : high; // no record at or after the time: the log end
    } else offset = clamp(fromFile!.find((f) => f.topic === topic && f.partition === partition)!.offset);
    return { topic, partition, offset };
  });
}

/**
 * One group, or every group with --all-groups. With several groups an active one is skipped with
 * a message (as Kafka's tool does) and the command exits 1 after handling the others; --export
 * then prints Kafka's multi-group CSV (group,topic,partition,offset).
 */
export async function groupResetOffsets(ctx: Context, groupId: string | undefined, o: ResetOptions): Promise<void> {
  checkOptions(o);
  if (groupId !== undefined && o.allGroups) throw new UsageError('give a group id or --all-groups, not both');
  if (groupId === undefined && !o.allGroups) throw new UsageError('reset-offsets needs a group id or --all-groups');
  const admin = await ctx.admin();
  const ids = groupId !== undefined ? [groupId] : (await admin.listGroups()).map((g) => g.groupId);
  const plans: [string, PlannedOffset[]][] = [];
  const skipped: string[] = [];
  for (const [i, d] of (await admin.describeGroups(ids)).entries()) {
    const id = ids[i]!;
    if (d.state !== 'Empty' && d.state !== 'Dead') {
      const why = `consumer group '${id}' has active members (state ${d.state}); stop its consumers before resetting offsets`;
      if (groupId !== undefined) throw new CliError(why);
      ctx.warn(`gregor: ${why}`);
      skipped.push(id);
      continue;
    }
    const planned = await plan(admin, id, o);
    if (groupId !== undefined && planned.length === 0)
      throw new CliError(
        o.fromFile !== undefined
          ? `${o.fromFile} lists no offsets for group '${id}'`
          : `consumer group '${id}' has no committed offsets (--all-topics)`,
      );
    if (planned.length > 0) plans.push([id, planned]);
  }
  if (o.export)
    for (const [id, planned] of plans)
      for (const p of planned) ctx.print(`${o.allGroups ? `${id},` : ''}${p.topic},${p.partition},${p.offset}`);
  else
    ctx.print(
      table(
        ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
        plans.flatMap(([id, planned]) => planned.map((p) => [id, p.topic, p.partition, p.offset])),
        { color: ctx.out.enabled, alignRight: [2, 3] },
      ),
    );
  if (o.execute) for (const [id, planned] of plans) await admin.alterGroupOffsets(id, planned);
  else if (!o.export) ctx.warn('Dry run: nothing was changed. Add --execute to apply.');
  if (skipped.length > 0) throw new CliError(`skipped active group(s): ${skipped.join(', ')}`);
}
