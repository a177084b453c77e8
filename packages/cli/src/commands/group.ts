/**
 * `gregor group list|describe|delete|delete-offsets`, as kafka-consumer-groups.sh: describe shows
 * each partition's committed offset, log end and lag with its owner (`--members`: the members,
 * `--state`: one line per group), for one group or `--all-groups`. reset-offsets lives in
 * group-reset.ts.
 */
import { tpKey, type Admin, type GroupDescription } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { fields, table } from '../output.js';
import { parseTopicSpec } from './group-reset.js';

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

export interface DescribeOptions {
  allGroups?: boolean;
  members?: boolean;
  state?: boolean;
  offsets?: boolean;
}

export async function groupDescribe(ctx: Context, groupId: string | undefined, o: DescribeOptions): Promise<void> {
  if ([o.members, o.state, o.offsets].filter(Boolean).length > 1)
    throw new UsageError('--members, --state and --offsets exclude each other');
  if (groupId !== undefined && o.allGroups) throw new UsageError('give a group id or --all-groups, not both');
  if (groupId === undefined && !o.allGroups) throw new UsageError('group describe needs a group id or --all-groups');
  const admin = await ctx.admin();
  const ids =
    groupId !== undefined
      ? [groupId]
      : (await admin.listGroups()).map((g) => g.groupId).sort((a, b) => a.localeCompare(b));
  const groups = await admin.describeGroups(ids);
  if (groupId !== undefined && (!groups[0] || groups[0].state === 'Dead'))
    throw new CliError(`consumer group '${groupId}' does not exist`);
  if (o.state) {
    const brokers = new Map((await admin.describeCluster()).brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
    ctx.print(
      table(
        ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
        groups.map((d) => [
          d.groupId,
          `${brokers.get(d.coordinator) ?? '?'} (${d.coordinator})`,
          d.protocol || '-',
          d.state,
          d.members.length,
        ]),
        { color: ctx.out.enabled, alignRight: [4] },
      ),
    );
    return;
  }
  if (groups.length === 0) {
    ctx.print('(no consumer groups)');
    return;
  }
  for (const [i, d] of groups.entries()) {
    if (i > 0) ctx.print();
    await describeOne(ctx, admin, d, o.members === true);
  }
}

/** The summary block, then the lag table (or the members table). */
async function describeOne(ctx: Context, admin: Admin, d: GroupDescription, members: boolean): Promise<void> {
  const groupId = d.groupId;
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
  if (members) {
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

export async function groupDelete(ctx: Context, groupId: string): Promise<void> {
  await (await ctx.admin()).deleteGroups([groupId]);
  ctx.print(`Deleted consumer group ${groupId}.`);
}

/** Deletes a group's committed offsets of topics it no longer consumes (OffsetDelete). */
export async function groupDeleteOffsets(ctx: Context, groupId: string, o: { topic: string[] }): Promise<void> {
  const specs = o.topic.map(parseTopicSpec);
  const admin = await ctx.admin();
  const rows: [string, number][] = [];
  for (const { topic, partitions } of specs) {
    const list = partitions ?? (await admin.listOffsets(topic, 'earliest')).map((p) => p.partition);
    await admin.deleteGroupOffsets(groupId, topic, list);
    for (const p of list) rows.push([topic, p]);
  }
  ctx.print(`Deleted committed offsets of group ${groupId}:`);
  ctx.print(
    table(
      ['TOPIC', 'PARTITION', 'STATUS'],
      rows.map(([t, p]) => [t, p, 'Successful']),
      { color: ctx.out.enabled, alignRight: [1] },
    ),
  );
}
