/**
 * Registration of `gregor cluster …`: describe, and the replica tools that mirror Kafka's
 * kafka-leader-election (elect-leaders) and kafka-reassign-partitions (reassign). Kept apart from
 * program.ts so that file stays a table of contents.
 */
import type { Command } from 'commander';
import { integer } from './args.js';
import type { ElectLeadersOptions } from './commands/elect-leaders.js';
import type { ReassignOptions } from './commands/reassign.js';
import type { Context } from './context.js';
import { lazy } from './lazy.js';

const clusterDescribe = lazy(() => import('./commands/cluster.js'), 'clusterDescribe');
const electLeaders = lazy(() => import('./commands/elect-leaders.js'), 'electLeaders');
const reassign = lazy(() => import('./commands/reassign.js'), 'reassign');

type Act = <A extends unknown[]>(
  fn: (ctx: Context, ...args: A) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

export function registerClusterCommands(program: Command, act: Act): void {
  const cluster = program
    .command('cluster')
    .description('the cluster: brokers and controller, leader elections, partition reassignments');
  cluster
    .command('describe')
    .description('cluster id, controller and brokers (id, address, rack)')
    .option('--json', 'print {"clusterId","controllerId","brokers":[{"id","host","port","rack","controller"}]}')
    .action(act<[{ json?: boolean }]>(clusterDescribe));
  cluster
    .command('elect-leaders')
    .description('elect partition leaders (ElectLeaders, on the controller), as kafka-leader-election')
    .option(
      '--election-type <type>',
      'preferred (the first replica, if in the ISR) or unclean (any live replica, may lose data)',
    )
    .option('--topic <topic>', 'the topic of the one partition to elect (with --partition)')
    .option('--partition <n>', 'the partition to elect (with --topic)', integer(0))
    .option('--all-topic-partitions', 'every partition of every topic')
    .option('--path-to-json-file <file>', 'partitions from Kafka’s JSON: {"partitions":[{"topic":"t","partition":0}]}')
    .addHelpText(
      'after',
      `
Examples:
  gregor cluster elect-leaders --election-type preferred --all-topic-partitions
  gregor cluster elect-leaders --election-type unclean --topic orders --partition 2`,
    )
    .action(act<[ElectLeadersOptions]>(electLeaders));
  cluster
    .command('reassign')
    .description('move partitions between brokers (AlterPartitionReassignments), as kafka-reassign-partitions')
    .option(
      '--execute',
      'start the reassignments in --reassignment-json-file (prints the current assignment, to roll back)',
    )
    .option('--verify', 'report each partition of --reassignment-json-file: in progress, complete, or not as planned')
    .option('--cancel', 'cancel the reassignments of --reassignment-json-file that are still in progress')
    .option('--list', 'list every reassignment in progress')
    .option('--generate', 'propose a plan moving the topics of --topics-to-move-json-file onto --broker-list')
    .option(
      '--reassignment-json-file <file>',
      'Kafka’s plan: {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}',
    )
    .option('--topics-to-move-json-file <file>', 'with --generate: {"version":1,"topics":[{"topic":"t"}]}')
    .option('--broker-list <ids>', 'with --generate: the brokers to spread the replicas over, e.g. 1,2,3')
    .option('--additional', 'with --execute: start even while other reassignments are in progress')
    .addHelpText(
      'after',
      `
Examples:
  gregor cluster reassign --generate --topics-to-move-json-file topics.json --broker-list 1,2,3
  gregor cluster reassign --execute --reassignment-json-file plan.json
  gregor cluster reassign --verify --reassignment-json-file plan.json
  gregor cluster reassign --list`,
    )
    .action(act<[ReassignOptions]>(reassign));
}
