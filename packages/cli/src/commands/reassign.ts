/**
 * `gregor cluster reassign`, as kafka-reassign-partitions.sh, with its JSON files (partition-json.ts):
 * --execute starts the reassignments of a plan (printing the current assignment first, to roll
 * back with), --verify reports each partition as in progress, complete or diverged, --cancel
 * cancels those of a plan still in progress, --list shows every reassignment in progress, and
 * --generate proposes a plan moving whole topics onto --broker-list. The work is the controller's
 * (AlterPartitionReassignments, ListPartitionReassignments).
 */
import type { Admin, TopicDescription } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { table } from '../output.js';
import {
  assignReplicas,
  errorText,
  parseBrokerList,
  parseReassignmentJson,
  parseTopicsToMoveJson,
  readJsonFile,
  reassignmentJson,
  tpName,
  type ReplicaAssignment,
} from './partition-json.js';

export interface ReassignOptions {
  execute?: boolean;
  verify?: boolean;
  cancel?: boolean;
  list?: boolean;
  generate?: boolean;
  reassignmentJsonFile?: string;
  topicsToMoveJsonFile?: string;
  brokerList?: string;
  additional?: boolean;
}

type Action = 'execute' | 'verify' | 'cancel' | 'list' | 'generate';
const ACTIONS: readonly Action[] = ['execute', 'verify', 'cancel', 'list', 'generate'];

/** The one action asked for, with exactly the files and flags it takes. */
function actionOf(o: ReassignOptions): Action {
  const asked = ACTIONS.filter((a) => o[a]);
  if (asked.length !== 1)
    throw new UsageError('cluster reassign needs exactly one of --execute, --verify, --cancel, --list or --generate');
  const action = asked[0]!;
  const planned = action === 'execute' || action === 'verify' || action === 'cancel';
  if (planned && o.reassignmentJsonFile === undefined)
    throw new UsageError(`--${action} needs --reassignment-json-file FILE`);
  if (!planned && o.reassignmentJsonFile !== undefined)
    throw new UsageError(`--reassignment-json-file does not go with --${action}`);
  if (action === 'generate' && (o.topicsToMoveJsonFile === undefined || o.brokerList === undefined))
    throw new UsageError('--generate needs --topics-to-move-json-file FILE and --broker-list 1,2,3');
  if (action !== 'generate' && (o.topicsToMoveJsonFile !== undefined || o.brokerList !== undefined))
    throw new UsageError('--topics-to-move-json-file and --broker-list go only with --generate');
  if (o.additional && action !== 'execute') throw new UsageError('--additional goes only with --execute');
  return action;
}

/** The named topics' descriptions; a topic that does not exist is an error naming it. */
async function describeExisting(admin: Admin, topics: readonly string[]): Promise<Map<string, TopicDescription>> {
  const all = new Map((await admin.describeTopics(null)).map((t) => [t.topic, t]));
  const missing = topics.filter((t) => !all.has(t));
  if (missing.length > 0) throw new CliError(`topic(s) not found: ${missing.join(', ')}`);
  return all;
}

function currentAssignment(plan: readonly ReplicaAssignment[], topics: Map<string, TopicDescription>) {
  return plan.map((p) => {
    const described = topics.get(p.topic)!.partitions.find((d) => d.partition === p.partition);
    if (!described)
      throw new CliError(
        `topic '${p.topic}' has no partition ${p.partition} (it has ${topics.get(p.topic)!.partitions.length})`,
      );
    return { topic: p.topic, partition: p.partition, replicas: described.replicas };
  });
}

async function checkBrokers(admin: Admin, wanted: readonly number[]): Promise<void> {
  const known = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const unknown = [...new Set(wanted)].filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new CliError(
      `unknown broker id(s): ${unknown.join(', ')} (brokers: ${[...known].sort((a, b) => a - b).join(', ')})`,
    );
}

const planOf = (o: ReassignOptions) =>
  parseReassignmentJson(readJsonFile(o.reassignmentJsonFile!, '--reassignment-json-file'), o.reassignmentJsonFile!);

async function execute(ctx: Context, admin: Admin, plan: ReplicaAssignment[], additional: boolean): Promise<void> {
  // Asked first: it fails plainly on a broker without reassignments, before anything is printed.
  const ongoing = await admin.listPartitionReassignments(plan);
  const topics = await describeExisting(admin, [...new Set(plan.map((p) => p.topic))]);
  const current = currentAssignment(plan, topics);
  await checkBrokers(
    admin,
    plan.flatMap((p) => p.replicas),
  );
  if (ongoing.length > 0 && !additional)
    throw new CliError(
      `a reassignment is already in progress for ${ongoing.map(tpName).join(', ')}; check it with --verify, cancel it with --cancel, or add --additional to start this one as well`,
    );
  ctx.print('Current partition replica assignment');
  ctx.print();
  ctx.print(reassignmentJson(current));
  ctx.print();
  ctx.print('Save this to use as the --reassignment-json-file option during rollback');
  const results = await admin.alterPartitionReassignments(plan);
  const started = results.filter((r) => r.error === null);
  const failed = results.filter((r) => r.error !== null);
  if (started.length > 0)
    ctx.print(`Started the reassignment of ${started.length} partition(s): ${started.map(tpName).join(', ')}`);
  for (const r of failed) ctx.print(`Could not reassign ${tpName(r)}: ${errorText(r)}`);
  if (failed.length > 0)
    throw new CliError(`${failed.length} of ${results.length} reassignment(s) could not be started`);
}

async function verify(ctx: Context, admin: Admin, plan: ReplicaAssignment[]): Promise<void> {
  const ongoing = new Set((await admin.listPartitionReassignments(plan)).map(tpName));
  const topics = await describeExisting(admin, [...new Set(plan.map((p) => p.topic))]);
  const current = currentAssignment(plan, topics);
  ctx.print('Status of partition reassignment:');
  plan.forEach((p, i) => {
    const now = current[i]!.replicas;
    if (ongoing.has(tpName(p))) ctx.print(`Reassignment of partition ${tpName(p)} is still in progress.`);
    else if (now.join(',') === p.replicas.join(',')) ctx.print(`Reassignment of partition ${tpName(p)} is complete.`);
    else
      ctx.print(
        `There is no active reassignment of partition ${tpName(p)}, but its replicas are ${now.join(',')} rather than ${p.replicas.join(',')}.`,
      );
  });
}

async function cancel(ctx: Context, admin: Admin, plan: ReplicaAssignment[]): Promise<void> {
  const ongoing = await admin.listPartitionReassignments(plan);
  if (ongoing.length === 0) {
    ctx.print('None of the specified partition reassignments are active.');
    return;
  }
  const results = await admin.alterPartitionReassignments(
    ongoing.map((p) => ({ topic: p.topic, partition: p.partition, replicas: null })),
  );
  const cancelled = results.filter((r) => r.error === null);
  const failed = results.filter((r) => r.error !== null);
  if (cancelled.length > 0)
    ctx.print(`Cancelled the reassignment of ${cancelled.length} partition(s): ${cancelled.map(tpName).join(', ')}`);
  for (const r of failed) ctx.print(`Could not cancel the reassignment of ${tpName(r)}: ${errorText(r)}`);
  if (failed.length > 0)
    throw new CliError(`${failed.length} of ${results.length} reassignment(s) could not be cancelled`);
}

async function list(ctx: Context, admin: Admin): Promise<void> {
  const ongoing = await admin.listPartitionReassignments();
  if (ongoing.length === 0) {
    ctx.print('No partition reassignments in progress.');
    return;
  }
  const ids = (l: readonly number[]) => (l.length === 0 ? '-' : l.join(','));
  ctx.print(
    table(
      ['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'],
      ongoing.map((p) => [p.topic, p.partition, ids(p.replicas), ids(p.addingReplicas), ids(p.removingReplicas)]),
      { color: ctx.out.enabled },
    ),
  );
}

async function generate(ctx: Context, admin: Admin, names: readonly string[], brokers: number[]): Promise<void> {
  await checkBrokers(admin, brokers);
  const topics = await describeExisting(admin, names);
  const current: ReplicaAssignment[] = [];
  const proposed: ReplicaAssignment[] = [];
  for (const name of names) {
    const partitions = [...topics.get(name)!.partitions].sort((a, b) => a.partition - b.partition);
    const rf = partitions[0]?.replicas.length ?? 0;
    if (rf > brokers.length)
      throw new CliError(
        `topic '${name}' has ${rf} replicas per partition, more than the ${brokers.length} broker(s) in --broker-list`,
      );
    const layout = assignReplicas(brokers, partitions.length, rf);
    partitions.forEach((p, i) => {
      current.push({ topic: name, partition: p.partition, replicas: p.replicas });
      proposed.push({ topic: name, partition: p.partition, replicas: layout[i]! });
    });
  }
  ctx.print('Current partition replica assignment');
  ctx.print(reassignmentJson(current));
  ctx.print();
  ctx.print('Proposed partition reassignment configuration');
  ctx.print(reassignmentJson(proposed));
}

export async function reassign(ctx: Context, o: ReassignOptions): Promise<void> {
  const action = actionOf(o);
  // Files are checked before connecting, so a bad file is a usage error whatever the broker.
  if (action === 'list') return list(ctx, await ctx.admin());
  if (action === 'generate') {
    const file = o.topicsToMoveJsonFile!;
    const names = parseTopicsToMoveJson(readJsonFile(file, '--topics-to-move-json-file'), file);
    const brokers = parseBrokerList(o.brokerList!, '--broker-list');
    return generate(ctx, await ctx.admin(), names, brokers);
  }
  const plan = planOf(o);
  const admin = await ctx.admin();
  if (action === 'execute') return execute(ctx, admin, plan, o.additional === true);
  if (action === 'verify') return verify(ctx, admin, plan);
  return cancel(ctx, admin, plan);
}
