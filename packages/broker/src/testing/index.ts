/**
 * The test kit: a real broker on an ephemeral port with its own temporary data directory, in
 * this process (startTestBroker) or as a child process that can be killed (spawnBroker).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Broker } from '../broker.js';
import { buildBrokerConfig } from '../config/broker-config.js';
import { BROKER_NODE_FLAGS } from '../node-flags.js';

export interface TestBroker {
  broker: Broker;
  port: number;
  /** host:port for clients. */
  bootstrap: string;
  dataDir: string;
  /** Stops the broker cleanly and starts it again on the same data directory and port. */
  restart(): Promise<TestBroker>;
  /** Stops the broker and removes its data directory. */
  stop(): Promise<void>;
}

export const newDataDir = (): string => mkdtempSync(join(tmpdir(), 'gregor-test-'));

export async function startTestBroker(
  overrides: Record<string, string> = {},
  dataDir = newDataDir(),
  port = 0,
): Promise<TestBroker> {
  const config = buildBrokerConfig({
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': dataDir,
    'log.level': process.env.GREGOR_TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
  const broker = await Broker.start(config, pino({ level: config.string('log.level') }));
  const handle: TestBroker = {
    broker,
    port: broker.port,
    bootstrap: `127.0.0.1:${broker.port}`,
    dataDir,
    async restart() {
      await broker.stop();
      return startTestBroker(overrides, dataDir, broker.port);
    },
    async stop() {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/**
 * How `npm start` runs the broker: its V8 flags, then the compiled entry
 * (packages/broker/dist/main.js) when it has been built, else the TypeScript source through tsx.
 * Works from src/testing and dist/testing.
 */
export function brokerCommand(): string[] {
  const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const compiled = join(pkg, 'dist', 'main.js');
  // GREGOR_FROM_SOURCE=1 runs the TypeScript sources instead, as it does for the `gregor` command.
  return existsSync(compiled) && process.env.GREGOR_FROM_SOURCE !== '1'
    ? [...BROKER_NODE_FLAGS, compiled]
    : [...BROKER_NODE_FLAGS, '--import', 'tsx', join(pkg, 'src', 'main.ts')];
}

export interface SpawnedBroker {
  child: ChildProcess;
  port: number;
  bootstrap: string;
  /** The /metrics port, or -1 when metrics.port was not set. */
  metricsPort: number;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
  /** Every line the broker wrote to stdout so far (its JSON log). */
  logLines: string[];
}

export interface SpawnOptions {
  /** Runs the broker under `ulimit -n` of this many open files (through bash). */
  openFilesLimit?: number;
  /** The address the broker listens on (default 127.0.0.1), e.g. a NetLab node's `ip`. */
  host?: string;
  /** An argv prefix to spawn the broker under, e.g. a NetLab node's `wrap` (`ip netns exec <ns>`). */
  wrap?: readonly string[];
}

/**
 * Runs `npm start`'s entry point in a child process; resolves once it listens (it watches for
 * the 'broker started' log line, so `log.level` must stay at info or below).
 */
export function spawnBroker(
  dataDir: string,
  overrides: Record<string, string> = {},
  port = 0,
  options: SpawnOptions = {},
): Promise<SpawnedBroker> {
  const host = options.host ?? '127.0.0.1';
  const args = [
    ...brokerCommand(),
    '--override',
    `listeners=PLAINTEXT://${host}:${port}`,
    '--override',
    `log.dirs=${dataDir}`,
  ];
  for (const [k, v] of Object.entries(overrides)) args.push('--override', `${k}=${v}`);
  const argv = [
    ...(options.wrap ?? []),
    ...(options.openFilesLimit === undefined
      ? [process.execPath, ...args]
      : ['bash', '-c', `ulimit -n ${options.openFilesLimit} && exec "$0" "$@"`, process.execPath, ...args]),
  ];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const logLines: string[] = [];
  const exited = new Promise<number | string>((res) => child.on('exit', (code, signal) => res(code ?? signal ?? -1)));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePort, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      logLines.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; listener?: string; metricsPort?: number };
        if (entry.msg === 'broker started' && entry.listener) {
          const bound = Number(entry.listener.split(':').pop());
          resolvePort({
            child,
            port: bound,
            bootstrap: `${host}:${bound}`,
            metricsPort: entry.metricsPort ?? -1,
            exited,
            logLines,
          });
        }
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`broker exited (${code}) before listening: ${stderr}`)));
  });
}
export {
  startZooKeeper,
  zookeeperInstalled,
  type TestZooKeeper,
  type ZooKeeperNode,
  type ZooKeeperOptions,
} from './zookeeper.js';
export { liveBrokerIds, startCluster, type ClusterBroker, type ClusterOptions, type TestCluster } from './cluster.js';
export { BROKER_NODE_FLAGS } from '../node-flags.js';
