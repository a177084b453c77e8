/**
 * The `gregor` command tree (commander): option names follow Kafka's tools where they exist
 * (kafka-topics, kafka-console-producer/consumer, kafka-consumer-groups, the perf tests).
 * Exit codes: 0 ok, 1 runtime error (broker unreachable, broker error), 2 usage error.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { registerClusterCommands } from './cluster-commands.js';
import { acks, bootstrapServers, collect, compression, integer, keyValue } from './args.js';
import type { ConsumeOptions } from './commands/consume.js';
import type { LocalClusterOptions } from './local-cluster/settings.js';
import type { DescribeOptions } from './commands/group.js';
import type { ResetOptions } from './commands/group-reset.js';
import type { PerfConsumeOptions, PerfProduceOptions } from './commands/perf.js';
import type { ProduceOptions } from './commands/produce.js';
import type { AlterOptions, CreateOptions } from './commands/topic.js';
import type { TopicDescribeOptions } from './commands/topic-describe.js';
import {
  profileCreate,
  profileDelete,
  profileList,
  profileShow,
  profileUse,
  type ProfileIo,
} from './commands/profile.js';
import { resolveConnection, type ConnectionFlags } from './connection.js';
import { Context, DEFAULT_BOOTSTRAP } from './context.js';
import { describeError, ExitCode, UsageError } from './errors.js';
import { ENCODINGS } from './format/json-record.js';
import { stdoutClosed, stdoutFailure } from './io/stdio.js';
import { painter } from './output.js';
import { dateTime, duration } from './time-args.js';
import { lazy } from './lazy.js';
import { cliVersion } from './version.js';

// Command implementations load when their command runs, so `gregor --help` and usage errors
// load neither the client nor the codec (see lazy.ts).
const topicCommands = () => import('./commands/topic.js');
const topicCreate = lazy(topicCommands, 'topicCreate');
const topicList = lazy(topicCommands, 'topicList');
const topicDescribe = lazy(() => import('./commands/topic-describe.js'), 'topicDescribe');
const topicAlter = lazy(topicCommands, 'topicAlter');
const topicDelete = lazy(topicCommands, 'topicDelete');
const groupCommands = () => import('./commands/group.js');
const groupList = lazy(groupCommands, 'groupList');
const groupDescribe = lazy(groupCommands, 'groupDescribe');
const groupDelete = lazy(groupCommands, 'groupDelete');
const groupDeleteOffsets = lazy(groupCommands, 'groupDeleteOffsets');
const groupResetOffsets = lazy(() => import('./commands/group-reset.js'), 'groupResetOffsets');
const perfCommands = () => import('./commands/perf.js');
const perfProduce = lazy(perfCommands, 'perfProduce');
const perfConsume = lazy(perfCommands, 'perfConsume');
const produce = lazy(() => import('./commands/produce.js'), 'produce');
const consume = lazy(() => import('./commands/consume.js'), 'consume');
const start = lazy(() => import('./commands/start.js'), 'start');
const localCluster = lazy(() => import('./commands/local-cluster.js'), 'localCluster');

const VERSION = cliVersion();

type Action<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<void>;

interface ConnectionOptions {
  bootstrapServer: string;
  profile?: string;
  X?: [string, string][];
  commandConfig?: string[];
  producerProperty?: [string, string][];
  consumerProperty?: [string, string][];
  'producer.config'?: string;
  'consumer.config'?: string;
}

/** The global and per-command connection options, in the order they rank (see connection.ts). */
function connectionFlags(cmd: Command): ConnectionFlags {
  const o = cmd.optsWithGlobals<ConnectionOptions>();
  const files = [...(o.commandConfig ?? []), o['producer.config'], o['consumer.config']];
  return {
    bootstrapServer: o.bootstrapServer,
    bootstrapSource: cmd.getOptionValueSourceWithGlobals('bootstrapServer') ?? 'default',
    ...(o.profile !== undefined ? { profile: o.profile } : {}),
    configFiles: files.filter((f): f is string => f !== undefined),
    properties: [...(o.X ?? []), ...(o.producerProperty ?? []), ...(o.consumerProperty ?? [])],
  };
}

/** Wraps a command: a Context from the global options, closed afterwards whatever happens. */
function act<A extends unknown[]>(fn: Action<A>) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const connection = resolveConnection(connectionFlags(cmd));
    const ctx = new Context(connection.bootstrap, connection.properties);
    try {
      await fn(ctx, ...(args.slice(0, -1) as A));
    } catch (e) {
      (e as { bootstrap?: string }).bootstrap ??= connection.bootstrap;
      throw e;
    } finally {
      await ctx.close();
    }
  };
}

/** Profile commands work on the config file alone, without connecting. */
function profileAct<A extends unknown[]>(fn: (io: ProfileIo, cmd: Command, ...args: A) => void) {
  const io: ProfileIo = { print: (t) => printOut(t), warn: (t) => process.stderr.write(`${t}\n`) };
  return (...args: unknown[]): void => {
    const cmd = args[args.length - 1] as Command;
    fn(io, cmd, ...(args.slice(0, -2) as A));
  };
}

function printOut(text: string): void {
  if (!stdoutClosed.aborted) process.stdout.write(`${text}\n`);
}

export function buildProgram(): Command {
  const program = new Command('gregor')
    .description('Command line for Gregor (and any Kafka cluster): topics, produce, consume, groups, perf tests')
    .version(VERSION, '-V, --version')
    .addOption(
      new Option('-b, --bootstrap-server <host:port>', 'broker(s) to connect to, comma-separated')
        .env('GREGOR_BOOTSTRAP_SERVER')
        .default(DEFAULT_BOOTSTRAP)
        .argParser(bootstrapServers),
    )
    .option('-X <key=value>', 'a Kafka/librdkafka client property, as kcat -X (repeatable)', keyValue)
    .option('--command-config <file>', 'client properties from a Kafka .properties file (repeatable)', collect)
    .addOption(
      new Option('--profile <name>', 'use this saved profile instead of the current one').env('GREGOR_PROFILE'),
    )
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 runtime error (e.g. broker unreachable), 2 usage error.
Colour only on a terminal; NO_COLOR=1 turns it off.

Examples:
  gregor topic create orders --partitions 3 --config retention.ms=86400000
  echo 'order-1:{"total":42}' | gregor produce orders --key-separator :
  gregor consume orders --from-beginning --print-key --max-messages 10
  gregor group describe billing
  gregor perf produce --topic perf --num-records 100000 --record-size 100`,
    );

  program
    .command('start')
    .description('run a broker, as `npm start` (--config FILE, --override key=value…; --help lists every setting)')
    .option('-c, --config <file>', 'a Kafka-style .properties file')
    .option('-o, --override <key=value>', 'a config value (repeatable)');

  program
    .command('local-cluster')
    .description('run ZooKeeper and N brokers on this machine in the foreground (Ctrl-C stops them all)')
    .option('--brokers <n>', 'how many brokers', integer(1, 64), 3)
    .option('--base-port <port>', 'broker i listens on 127.0.0.1:<base-port + i - 1>', integer(1, 65535), 9092)
    .option('--zookeeper-port <port>', 'the port of the ZooKeeper it starts', integer(1, 65535), 2181)
    .option('--zookeeper <host:port>', 'use this ZooKeeper ensemble (host:port[,host:port…][/chroot]) instead')
    .option('--data-dir <dir>', 'data: <dir>/zookeeper and <dir>/broker-<i>, kept between runs', './data-cluster')
    .option('-o, --override <key=value>', 'a broker setting for every broker (repeatable)', keyValue)
    .option('--rack-aware', 'put broker i in rack rack-<i> (broker.rack)')
    .addOption(
      new Option('--log-level <level>', 'the brokers’ log.level')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .addHelpText(
      'after',
      `
Each broker is \`npm start -- --override broker.id=<i> --override zookeeper.connect=… --override listeners=…
--override log.dirs=<dir>/broker-<i>\`; ZooKeeper is Debian's (apt-get install zookeeper) run with java.
A second run on the same --data-dir resumes the same cluster: cluster id, topics and records.

Examples:
  gregor local-cluster
  gregor local-cluster --brokers 5 --base-port 19092 --override default.replication.factor=3
  gregor local-cluster --zookeeper zk1:2181,zk2:2181/gregor --data-dir /tmp/gregor-cluster`,
    )
    .action((o: LocalClusterOptions) => localCluster(o));

  // topic ------------------------------------------------------------------------------------
  const topic = program.command('topic').description('create, list, describe, alter and delete topics');
  topic
    .command('create')
    .description('create a topic')
    .argument('<name>', 'topic name')
    .option('--partitions <n>', 'partition count (default: the broker’s num.partitions)', integer(1))
    .option('--replication-factor <n>', 'replicas per partition (default: the broker’s)', integer(1, 32767))
    .option(
      '--replica-assignment <list>',
      'each partition’s brokers, preferred leader first: 1:2:3,2:3:1 (instead of --partitions/--replication-factor)',
    )
    .option('--config <key=value>', 'a topic config (repeatable)', keyValue)
    .option('--if-not-exists', 'succeed if the topic already exists')
    .action(act<[string, CreateOptions]>(topicCreate));
  topic
    .command('list')
    .description('list topics with their partition counts')
    .option('--exclude-internal', 'leave out internal topics (__consumer_offsets)')
    .option('--names', 'print only the names, one per line')
    .action(act<[{ excludeInternal?: boolean; names?: boolean }]>(topicList));
  topic
    .command('describe')
    .description('partitions (leader, replicas, ISR, offline replicas, status) and configs; every topic without a name')
    .argument('[name]', 'topic name (default: every topic)')
    .option('--all-configs', 'show every config with its source, not only the topic’s overrides')
    .option('--under-replicated-partitions', 'only partitions whose ISR is smaller than their replica set')
    .option('--unavailable-partitions', 'only partitions without a leader, or whose leader is not a live broker')
    .option('--under-min-isr-partitions', 'only partitions whose ISR is below the topic’s min.insync.replicas')
    .option('--at-min-isr-partitions', 'only partitions whose ISR is exactly the topic’s min.insync.replicas')
    .option('--exclude-internal', 'without a name: leave out internal topics (__consumer_offsets)')
    .option('--json', 'print {"topics":[{"topic","topicId","internal","partitions":[…]}]}')
    .action(act<[string | undefined, TopicDescribeOptions]>(topicDescribe));
  topic
    .command('alter')
    .description('add partitions, set or delete topic configs')
    .argument('<name>', 'topic name')
    .option('--partitions <n>', 'grow the topic to n partitions', integer(1))
    .option('--config <key=value>', 'set a topic config (repeatable)', keyValue)
    .option('--delete-config <key>', 'remove a topic config override (repeatable)', collect)
    .action(act<[string, AlterOptions]>(topicAlter));
  topic
    .command('delete')
    .description('delete a topic')
    .argument('<name>', 'topic name')
    .option('--if-exists', 'succeed if the topic does not exist')
    .action(act<[string, { ifExists?: boolean }]>(topicDelete));

  // produce / consume ------------------------------------------------------------------------
  program
    .command('produce')
    .description('write one record per input line (stdin, or --file); bytes pass through unchanged')
    .argument('[topic]', 'topic to write to (or --topic)')
    .option('-t, --topic <topic>', 'topic to write to (Kafka’s and kcat’s spelling)')
    .option('--file <path>', 'read records from a file instead of stdin')
    .option('--delimiter <delim>', 'record delimiter, kcat’s -D (escapes: \\n \\t \\0 \\xNN; default newline)')
    .option('--length-prefixed', 'each record is a big-endian int32 length (-1: null) and that many bytes')
    .option('--key-separator <sep>', 'each record is KEY<sep>VALUE (Kafka: parse.key=true, key.separator)')
    .option(
      '--property <key=value>',
      'kafka-console-producer property: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error (repeatable)',
      keyValue,
    )
    .option('--producer-property <key=value>', 'a producer client property, e.g. linger.ms=10 (repeatable)', keyValue)
    .option('--producer.config <file>', 'producer client properties from a .properties file')
    .option('--header <key=value>', 'a header on every record (repeatable)', keyValue)
    .option('--json', 'each line is {"key","value","headers","partition","timestamp","encoding"}')
    .addOption(
      new Option('--value-format <encoding>', 'with --json: how key, value and headers are encoded').choices(ENCODINGS),
    )
    .option('--partition <n>', 'write every record to this partition', integer(0))
    .addOption(new Option('--acks <acks>', 'all (-1), 1 or 0 (default: all)').argParser(acks))
    .addOption(
      new Option('--compression <codec>', 'none, gzip, snappy, lz4, zstd (default: none)').argParser(compression),
    )
    .option('--linger-ms <ms>', 'how long a batch waits for more records', integer(0))
    .option('--batch-size <bytes>', 'bytes per partition batch', integer(1))
    .action(act<[string | undefined, ProduceOptions]>(produce));

  program
    .command('consume')
    .description(
      'print records (from the end unless told otherwise); stops on Ctrl-C, --max-messages, --exit-at-end or --timeout-ms',
    )
    .argument('[topic]', 'topic to read (or --topic)')
    .option('-t, --topic <topic>', 'topic to read (Kafka’s and kcat’s spelling)')
    .option('--from-beginning', 'start at the earliest offset (with --group: when the group has none)')
    .option('-o, --offset <offset>', 'N (with --partition), beginning, end, -N or end-N (N from the end), beginning+N')
    .option('-p, --partition <n>', 'read only this partition', integer(0))
    .option('--from-timestamp <time>', 'start at the first record at or after this time (epoch ms or ISO 8601)')
    .option('-g, --group <id>', 'start at the group’s committed offsets and commit what is printed')
    .option('-c, --max-messages <n>', 'exit after n records', integer(1))
    .option('-e, --exit-at-end', 'exit once every partition has been read to its end (kcat’s -e)')
    .option('--timeout-ms <ms>', 'exit when no record arrives for this long', integer(1))
    .option('--print-key', 'print the key before the value')
    .option('--print-offset', 'print Offset:N')
    .option('--print-partition', 'print Partition:N')
    .option('--print-timestamp', 'print CreateTime:MS (or LogAppendTime:MS)')
    .option('--print-headers', 'print headers as k:v,k:v')
    .option('--key-separator <sep>', 'between printed fields (default: tab)')
    .option(
      '--property <key=value>',
      'kafka-console-consumer formatter property: print.key, print.value, print.headers, print.partition, print.offset, print.timestamp, key.separator, line.separator, headers.separator, headers.key.separator, null.literal (repeatable)',
      keyValue,
    )
    .option(
      '--consumer-property <key=value>',
      'a consumer client property, e.g. fetch.max.bytes=… (repeatable)',
      keyValue,
    )
    .option('--consumer.config <file>', 'consumer client properties from a .properties file')
    .option(
      '-f, --format <format>',
      'text, json (one object per line), or a kcat format string: %k %s %t %p %o %T %h %S %K %R',
      'text',
    )
    .addOption(
      new Option(
        '--value-format <encoding>',
        'with --format json: how key, value and headers are encoded (default utf8)',
      ).choices(ENCODINGS),
    )
    .action(act<[string | undefined, ConsumeOptions]>(consume));

  // profile ----------------------------------------------------------------------------------
  const profile = program
    .command('profile')
    .description('saved connection profiles (bootstrap servers and client properties), as rpk profiles');
  profile
    .command('create')
    .description('save --bootstrap-server and -X properties under a name, and make it current')
    .argument('<name>', 'profile name')
    .option('--force', 'replace a profile of that name')
    .action(
      profileAct<[string]>((io, cmd, name) => {
        const o = cmd.optsWithGlobals<ConnectionOptions & { force?: boolean }>();
        const given = cmd.getOptionValueSourceWithGlobals('bootstrapServer') === 'cli';
        profileCreate(io, name, {
          ...(given ? { bootstrapServer: o.bootstrapServer } : {}),
          properties: o.X ?? [],
          ...(o.force ? { force: true } : {}),
        });
      }),
    );
  profile
    .command('use')
    .description('make a profile current')
    .argument('<name>', 'profile name')
    .action(profileAct<[string]>((io, _cmd, name) => profileUse(io, name)));
  profile
    .command('list')
    .description('list profiles (* marks the current one)')
    .action(profileAct<[]>((io) => profileList(io, painter(process.stdout).enabled)));
  profile
    .command('show')
    .description('a profile’s settings (default: the current one)')
    .argument('[name]', 'profile name')
    .action(profileAct<[string | undefined]>((io, _cmd, name) => profileShow(io, name)));
  profile
    .command('delete')
    .description('delete a profile')
    .argument('<name>', 'profile name')
    .action(profileAct<[string]>((io, _cmd, name) => profileDelete(io, name)));

  // group ------------------------------------------------------------------------------------
  const group = program
    .command('group')
    .description('consumer groups: list, describe (with lag), reset offsets, delete');
  group.command('list').description('list consumer groups').action(act<[]>(groupList));
  group
    .command('describe')
    .description('committed offsets, log end and lag per partition, with the owning member')
    .argument('[group]', 'group id')
    .option('--all-groups', 'every group, one after another')
    .option('--offsets', 'offsets and lag per partition (the default)')
    .option('--members', 'list members and their assignments instead')
    .option('--state', 'one line per group: coordinator, assignor, state, member count')
    .action(act<[string | undefined, DescribeOptions]>(groupDescribe));
  group
    .command('reset-offsets')
    .description('move a group’s committed offsets (dry run unless --execute; the group must be inactive)')
    .argument('[group]', 'group id')
    .option('--all-groups', 'every group (active ones are skipped)')
    .option('--topic <topic[:p,p…]>', 'a topic, optionally with partitions (repeatable)', collect)
    .option('--all-topics', 'every topic the group has committed offsets for')
    .option('--from-file <csv>', 'offsets from a CSV file: topic,partition,offset per line (as --export prints)')
    .option('--to-earliest', 'to the log start')
    .option('--to-latest', 'to the log end')
    .option('--to-current', 'to the committed offset (the log end where none)')
    .option('--to-offset <n>', 'to offset n (clamped to the log)', integer(0))
    .option(
      '--shift-by <n>',
      'by n from the committed offset (negative: back; clamped to the log)',
      integer(-Number.MAX_SAFE_INTEGER),
    )
    .option(
      '--to-datetime <iso>',
      'to the first record at or after this time (YYYY-MM-DDTHH:mm:SS.sss[Z|±hh:mm])',
      dateTime,
    )
    .option('--to-timestamp <ms>', 'to the first record at or after this time (epoch ms)', integer(0))
    .option('--by-duration <PnDTnHnMnS>', 'to the first record at or after this long ago, e.g. PT1H30M', duration)
    .option('--dry-run', 'only show the new offsets (the default)')
    .option('--execute', 'commit the new offsets')
    .option('--export', 'print the plan as CSV (topic,partition,offset), for --from-file')
    .action(act<[string | undefined, ResetOptions]>(groupResetOffsets));
  group
    .command('delete-offsets')
    .description('delete a group’s committed offsets of topics it does not consume (OffsetDelete)')
    .argument('<group>', 'group id')
    .requiredOption('--topic <topic[:p,p…]>', 'a topic, optionally with partitions (repeatable)', collect)
    .action(act<[string, { topic: string[] }]>(groupDeleteOffsets));
  group
    .command('delete')
    .description('delete a consumer group (it must have no members)')
    .argument('<group>', 'group id')
    .action(act<[string]>(groupDelete));

  // cluster: describe, elect-leaders, reassign (cluster-commands.ts) -------------------------------
  registerClusterCommands(program, act);

  // configs, log-dirs, records, offsets, dump-log ------------------------------------------------
  registerAdminCommands(program, act);

  // perf -------------------------------------------------------------------------------------
  const perf = program.command('perf').description('performance tests, as kafka-producer/consumer-perf-test');
  perf
    .command('produce')
    .description('produce records as fast as allowed; report records/s, MB/s and latency percentiles')
    .requiredOption('--topic <topic>', 'topic to write to (auto-created when the broker allows)')
    .requiredOption('--num-records <n>', 'records to send', integer(1))
    .requiredOption('--record-size <bytes>', 'bytes per record value', integer(0))
    .option('--throughput <n>', 'records per second at most; -1 for no limit', integer(-1), -1)
    .addOption(new Option('--acks <acks>', 'all (-1), 1 or 0').default(-1, 'all').argParser(acks))
    .addOption(
      new Option('--compression <codec>', 'none, gzip, snappy, lz4, zstd').default('none').argParser(compression),
    )
    .option('--batch-size <bytes>', 'bytes per partition batch (default 16384)', integer(1))
    .option('--linger-ms <ms>', 'how long a batch waits for more records (default 5)', integer(0))
    .option('--json', 'print the result as JSON')
    .action(act<[PerfProduceOptions]>(perfProduce));
  perf
    .command('consume')
    .description('read records from the start of a topic as fast as possible; report records/s and MB/s')
    .requiredOption('--topic <topic>', 'topic to read')
    .requiredOption('--messages <n>', 'records to read', integer(1))
    .option('--timeout-ms <ms>', 'give up after this long without a record', integer(1), 10_000)
    .option('--from-latest', 'start at the end instead')
    .option('--json', 'print the result as JSON')
    .action(act<[PerfConsumeOptions]>(perfConsume));

  return program;
}

/**
 * Runs the command line; resolves with the exit code, or null for `start` (the broker keeps the
 * process alive and exits by itself).
 */
export async function run(argv: readonly string[]): Promise<number | null> {
  const paintErr = painter(process.stderr);
  if (argv[0] === 'start') {
    await start(argv.slice(1));
    return null;
  }
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({
    outputError: (text, write) => write(paintErr('red', `gregor: ${text}`)),
  });
  for (const cmd of allCommands(program)) {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: (text, write) => write(paintErr('red', `gregor: ${text}`)) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    const failed = stdoutFailure();
    if (failed) throw new Error(`cannot write to stdout: ${failed.message}`);
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    const bootstrap = (e as { bootstrap?: string }).bootstrap ?? DEFAULT_BOOTSTRAP;
    process.stderr.write(`${paintErr('red', `gregor: error: ${describeError(e, bootstrap)}`)}\n`);
    if (e instanceof UsageError) {
      process.stderr.write('(add --help for usage)\n');
      return ExitCode.Usage;
    }
    if (process.env.GREGOR_DEBUG) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
    return ExitCode.Runtime;
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
