/**
 * Registration of the admin commands that mirror Kafka's tools one to one: configs
 * (kafka-configs), log-dirs (kafka-log-dirs), records (kafka-delete-records), offsets
 * (kafka-get-offsets) and dump-log (kafka-dump-log). Kept apart from program.ts so that file
 * stays a table of contents.
 */
import { Option, type Command } from 'commander';
import { collect, integer } from './args.js';
import type { AlterOptions, DescribeOptions } from './commands/configs.js';
import type { DumpLogOptions } from './commands/dump-log.js';
import type { LogDirsOptions } from './commands/log-dirs.js';
import type { GetOffsetsOptions } from './commands/offsets.js';
import type { DeleteRecordsOptions } from './commands/records.js';
import type { Context } from './context.js';
import { lazy } from './lazy.js';
import { offsetTime } from './time-args.js';

const configsCommands = () => import('./commands/configs.js');
const configsDescribe = lazy(configsCommands, 'configsDescribe');
const configsAlter = lazy(configsCommands, 'configsAlter');
const dumpLog = lazy(() => import('./commands/dump-log.js'), 'dumpLog');
const logDirsDescribe = lazy(() => import('./commands/log-dirs.js'), 'logDirsDescribe');
const offsetsGet = lazy(() => import('./commands/offsets.js'), 'offsetsGet');
const recordsDelete = lazy(() => import('./commands/records.js'), 'recordsDelete');

type Act = <A extends unknown[]>(
  fn: (ctx: Context, ...args: A) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

/** --entity-type/--entity-name/--entity-default and kafka-configs' shorthands. */
function entityOptions(cmd: Command): Command {
  return cmd
    .option('--entity-type <type>', 'topics or brokers')
    .option('--entity-name <name>', 'the topic name or broker id (describe: all when left out)')
    .option('--entity-default', 'the cluster-wide default of every broker (with --entity-type brokers)')
    .option('--topic <name>', 'short for --entity-type topics --entity-name NAME')
    .option('--broker <id>', 'short for --entity-type brokers --entity-name ID')
    .option('--broker-defaults', 'short for --entity-type brokers --entity-default');
}

export function registerAdminCommands(program: Command, act: Act): void {
  const configs = program
    .command('configs')
    .description('describe and alter topic and broker configs, as kafka-configs');
  entityOptions(configs.command('describe'))
    .description('the dynamic overrides of an entity (--all: every config) with their sources and synonyms')
    .option('--all', 'every config, defaults included')
    .action(act<[DescribeOptions]>(configsDescribe));
  entityOptions(configs.command('alter'))
    .description('set or remove config overrides (IncrementalAlterConfigs)')
    .option('--add-config <k=v,…>', 'configs to set: k1=v1,k2=[a,b] (brackets keep list commas; repeatable)', collect)
    .option('--delete-config <k,…>', 'overrides to remove, back to the inherited value (repeatable)', collect)
    .action(act<[AlterOptions]>(configsAlter));

  program
    .command('log-dirs')
    .description('log directories of the brokers, as kafka-log-dirs')
    .command('describe')
    .description('every broker’s log directories with each partition’s size (DescribeLogDirs)')
    .option('--broker-list <ids>', 'only these brokers, e.g. 0,1')
    .option('--topic-list <topics>', 'only these topics, e.g. orders,payments')
    .option('--json', 'print Kafka’s JSON document instead of tables')
    .action(act<[LogDirsOptions]>(logDirsDescribe));

  program
    .command('records')
    .description('records of a partition, as kafka-delete-records')
    .command('delete')
    .description('delete the records before an offset (DeleteRecords); prints the new low watermarks')
    .option(
      '--offset-json-file <file>',
      'Kafka’s JSON: {"partitions":[{"topic":"t","partition":0,"offset":5}],"version":1}',
    )
    .option('--topic <topic>', 'the topic (with --partition and --offset)')
    .option('--partition <n>', 'the partition', integer(0))
    .option('--offset <n>', 'delete records before this offset; -1: all (up to the high watermark)', integer(-1))
    .action(act<[DeleteRecordsOptions]>(recordsDelete));

  program
    .command('offsets')
    .description('partition offsets, as kafka-get-offsets')
    .command('get')
    .description('topic:partition:offset per partition at a point in time (ListOffsets)')
    .option('--topic <regex>', 'topics whose whole name matches (default: all)')
    .option('--partitions <ids>', 'only these partitions, e.g. 0,1')
    .addOption(
      new Option('--time <time>', '-1/latest, -2/earliest, -3/max-timestamp, epoch ms or an ISO date-time')
        .default('latest', '-1')
        .argParser(offsetTime),
    )
    .option('--exclude-internal-topics', 'leave out internal topics (__consumer_offsets)')
    .action(act<[GetOffsetsOptions]>(offsetsGet));

  program
    .command('dump-log')
    .description('print the batches and records of segment files (.log, .index, .timeindex), as kafka-dump-log')
    .requiredOption('--files <files>', 'comma-separated segment files to read (no broker needed)')
    .option('--print-data-log', 'print each record’s key, payload and headers (implies --deep-iteration)')
    .option('--deep-iteration', 'print each record, not only the batches')
    .action(act<[DumpLogOptions]>(dumpLog));
}
