/**
 * `gregor cluster elect-leaders`, as kafka-leader-election.sh: ElectLeaders on the controller for
 * one partition (--topic/--partition), every partition (--all-topic-partitions) or a JSON file's
 * (--path-to-json-file). Prints each partition's outcome: elected, already led by a valid replica
 * (ELECTION_NOT_NEEDED, not a failure), or the error; exits 1 if any partition failed.
 */
import type { ElectionType, PartitionResult, TopicPartition } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { errorText, parseElectionJson, readJsonFile, tpName } from './partition-json.js';

export interface ElectLeadersOptions {
  electionType?: string;
  topic?: string;
  partition?: number;
  allTopicPartitions?: boolean;
  pathToJsonFile?: string;
}

function electionType(value: string | undefined): ElectionType {
  const type = value?.toLowerCase();
  if (type === 'preferred' || type === 'unclean') return type;
  if (value === undefined) throw new UsageError('cluster elect-leaders needs --election-type preferred|unclean');
  throw new UsageError(`--election-type must be preferred or unclean, got '${value}'`);
}

/** The partitions to elect; null: all. Exactly one way of naming them. */
function partitionsOf(o: ElectLeadersOptions): TopicPartition[] | null {
  const ways = [
    o.topic !== undefined || o.partition !== undefined,
    o.allTopicPartitions,
    o.pathToJsonFile !== undefined,
  ];
  if (ways.filter(Boolean).length !== 1)
    throw new UsageError(
      'cluster elect-leaders needs exactly one of --topic T --partition P, --all-topic-partitions or --path-to-json-file F',
    );
  if (o.allTopicPartitions) return null;
  if (o.pathToJsonFile !== undefined)
    return parseElectionJson(readJsonFile(o.pathToJsonFile, '--path-to-json-file'), o.pathToJsonFile);
  if (o.topic === undefined || o.partition === undefined) throw new UsageError('--topic and --partition go together');
  return [{ topic: o.topic, partition: o.partition }];
}

const list = (results: readonly PartitionResult[]) => results.map(tpName).join(', ');

export async function electLeaders(ctx: Context, o: ElectLeadersOptions): Promise<void> {
  const type = electionType(o.electionType);
  const partitions = partitionsOf(o);
  const admin = await ctx.admin();
  const results = await admin.electLeaders({ type, partitions });
  const elected = results.filter((r) => r.error === null);
  const notNeeded = results.filter((r) => r.error?.name === 'ELECTION_NOT_NEEDED');
  const failed = results.filter((r) => r.error !== null && r.error.name !== 'ELECTION_NOT_NEEDED');
  if (elected.length > 0) ctx.print(`Elected a ${type} leader for ${elected.length} partition(s): ${list(elected)}`);
  if (notNeeded.length > 0)
    ctx.print(`A valid leader was already elected for ${notNeeded.length} partition(s): ${list(notNeeded)}`);
  for (const r of failed) ctx.print(`Could not elect a ${type} leader for ${tpName(r)}: ${errorText(r)}`);
  if (results.length === 0) ctx.print('No partition needed an election.');
  if (failed.length > 0) throw new CliError(`${failed.length} of ${results.length} partition(s) could not be elected`);
}
