/**
 * `gregor group list|describe|reset-offsets|delete`, as kafka-consumer-groups.sh: describe shows
 * each partition's committed offset, log end and lag with its owner; reset-offsets is a dry run
 * unless --execute, and needs a group without active members.
 */
import { tpKey, type Admin, type GroupDescription } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { fields, table } from '../output.js';

interface LagRow {
  topic: string;
  partition: number;
  /** -1: nothing committed. */
  committed: number;
  logEnd: number;
  lag: number | null;
  owner: GroupDescription['members'][number] | undefined;
}

/** The client's lag rows (committed partitions), plus assigned partitions without a commit, with their owners. */
async function lagRows(admin: Admin, d: GroupDescription): Promise<LagRow[]> {
  const owners = new Map<string, GroupDescription['members'][number]>();
  for (const m of d.members) for (const tp of m.assignment) owners.set(tpKey(tp.topic, tp.partition), m);
  const rows = new Map<string, LagRow>();
  for (const l of await admin.groupLag(d.groupId))
    rows.set(tpKey(l.topic, l.partition), {
      topic: l.topic,
      partition: l.partition,
      committed: l.committed,
      logEnd: l.logEndOffset,
      lag: l.committed >= 0 ? l.lag : null,
      owner: owners.get(tpKey(l.topic, l.partition)),
    });
  const uncommitted = [...owners].filter(([key]) => !rows.has(key));
  for (const topic of new Set(uncommitted.map(([, m]) => m).flatMap((m) => m.assignment.map((tp) => tp.topic)))) {
    const ends = await admin.listOffsets(topic, 'latest');
    for (const e of ends) {
      const key = tpKey(topic, e.partition);
      if (!rows.has(key) && owners.has(key))
        rows.set(key, {
          topic,
          partition: e.partition,
          committed: -1,
          logEnd: e.offset,
          lag: null,
          owner: owners.get(key),
        });
    }
  }
  return [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export async function groupList(ctx: Context): Promise<void> {
  const groups = await (await ctx.admin()).listGroups();
  ctx.print(
    table(
      ['GROUP', 'STATE', 'TYPE', 'PROTOCOL-TYPE'],
      [...groups]
        .sort((a, b) => a.groupId.localeCompare(b.groupId))
        .map((g) => [g.groupId, g.state, g.type || '-', g.protocolType || '-']),
      { color: ctx.out.enabled },
    ),
  );
}

export async function groupDescribe(ctx: Context, groupId: string, o: { members?: boolean }): Promise<void> {
  const admin = await ctx.admin();
  const [d] = await admin.describeGroups([groupId]);
  if (!d || d.state === 'Dead') throw new CliError(`consumer group '${groupId}' does not exist`);
  const lag = await lagRows(admin, d);
  const total = lag.reduce((n, r) => n + (r.lag ?? 0), 0);
  ctx.print(
    fields([
      ['Group', groupId],
      ['State', d.state],
      ['Protocol', d.protocolType ? `${d.protocolType}${d.protocol ? ` (${d.protocol})` : ''}` : '-'],
      ['Members', d.members.length],
      ['Total lag', total],
    ]),
  );
  ctx.print();
  if (o.members) {
    ctx.print(
      table(
        ['CONSUMER-ID', 'HOST', 'CLIENT-ID', 'INSTANCE-ID', '#PARTITIONS', 'ASSIGNMENT'],
        d.members.map((m) => [
          m.memberId,
          m.clientHost,
          m.clientId,
          m.groupInstanceId ?? '-',
          m.assignment.length,
          m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || '-',
        ]),
        { color: ctx.out.enabled, alignRight: [4] },
      ),
    );
    return;
  }
  if (lag.length === 0) {
    ctx.print('(no committed offsets and no assigned partitions)');
    return;
  }
  ctx.print(
    table(
      ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
      lag.map((r) => [
        r.topic,
        r.partition,
        r.committed >= 0 ? r.committed : '-',
        r.logEnd,
        r.lag ?? '-',
        r.owner?.memberId ?? '-',
        r.owner?.clientHost ?? '-',
        r.owner?.clientId ?? '-',
      ]),
      { color: ctx.out.enabled, alignRight: [1, 2, 3, 4] },
    ),
  );
}

export interface ResetOptions {
  topic: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: number;
  toTimestamp?: number;
  execute?: boolean;
  dryRun?: boolean;
}

/** `topic` or `topic:0,1,2`, as Kafka's --topic for reset-offsets. */
function parseTopicSpec(spec: string): { topic: string; partitions: number[] | null } {
  const colon = spec.lastIndexOf(':');
  if (colon < 0) return { topic: spec, partitions: null };
  const list = spec.slice(colon + 1).split(',');
  if (!list.every((p) => /^\d+$/.test(p))) throw new UsageError(`--topic expects TOPIC or TOPIC:P,P…, got '${spec}'`);
  return { topic: spec.slice(0, colon), partitions: list.map(Number) };
}

export async function groupResetOffsets(ctx: Context, groupId: string, o: ResetOptions): Promise<void> {
  const targets = [o.toEarliest, o.toLatest, o.toOffset !== undefined, o.toTimestamp !== undefined].filter(Boolean);
  if (targets.length !== 1)
    throw new UsageError(
      'reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset N, --to-timestamp MS',
    );
  if (o.execute && o.dryRun) throw new UsageError('--execute and --dry-run exclude each other');
  const { topic, partitions: only } = parseTopicSpec(o.topic);
  const admin = await ctx.admin();
  const [d] = await admin.describeGroups([groupId]);
  if (d && d.state !== 'Empty' && d.state !== 'Dead')
    throw new CliError(
      `consumer group '${groupId}' has active members (state ${d.state}); stop its consumers before resetting offsets`,
    );
  const earliest = await admin.listOffsets(topic, 'earliest');
  const latest = await admin.listOffsets(topic, 'latest');
  const at = o.toTimestamp === undefined ? [] : await admin.listOffsets(topic, { timestamp: o.toTimestamp });
  const partitions = only ?? earliest.map((e) => e.partition);
  const plan = partitions.map((partition) => {
    const low = earliest.find((e) => e.partition === partition);
    const high = latest.find((e) => e.partition === partition);
    if (!low || !high) throw new CliError(`topic '${topic}' has no partition ${partition}`);
    let offset: number;
    if (o.toEarliest) offset = low.offset;
    else if (o.toLatest) offset = high.offset;
    else if (o.toOffset !== undefined)
      offset = Math.min(Math.max(o.toOffset, low.offset), high.offset); // clamped, as Kafka
    else offset = at.find((a) => a.partition === partition && a.offset >= 0)?.offset ?? high.offset;
    return { partition, offset };
  });
  ctx.print(
    table(
      ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
      plan.map((p) => [groupId, topic, p.partition, p.offset]),
      { color: ctx.out.enabled, alignRight: [2, 3] },
    ),
  );
  if (!o.execute) {
    ctx.warn('Dry run: nothing was changed. Add --execute to apply.');
    return;
  }
  // The plan as shown, committed through the client's group admin (one call per distinct offset).
  const byOffset = new Map<number, number[]>();
  for (const p of plan) byOffset.set(p.offset, [...(byOffset.get(p.offset) ?? []), p.partition]);
  for (const [offset, list] of byOffset) await admin.resetGroupOffsets(groupId, topic, { offset }, list);
}

export async function groupDelete(ctx: Context, groupId: string): Promise<void> {
  await (await ctx.admin()).deleteGroups([groupId]);
  ctx.print(`Deleted consumer group ${groupId}.`);
}
