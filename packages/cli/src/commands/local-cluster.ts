/**
 * `gregor local-cluster`: a ZooKeeper and N brokers on this machine, in the foreground, as
 * `rpk container start -n 3` gives for Redpanda: one command to try the cluster. ZooKeeper is
 * Debian's (or an existing ensemble with --zookeeper); each broker is `npm start` with Kafka's
 * `--override` settings, its log lines prefixed with its name. Data stays under --data-dir, so
 * the next run resumes the same cluster (cluster id, topics, records). Ctrl-C or SIGTERM stops
 * the brokers one by one (each a controlled shutdown, the controller last) and then ZooKeeper.
 */
import { mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { ZOOKEEPER_INSTALL_HINT, ZooKeeperServer, zookeeperInstalled } from '@gregor/broker/zookeeper';
import { CliError } from '../errors.js';
import { stdoutClosed } from '../io/stdio.js';
import { BrokerProcess, describeExit } from '../local-cluster/broker-process.js';
import { RunFile } from '../local-cluster/run-file.js';
import { clusterView, portProblem, reachable, type ClusterView } from '../local-cluster/probes.js';
import {
  brokerSettings,
  HOST,
  planCluster,
  type ClusterPlan,
  type LocalClusterOptions,
} from '../local-cluster/settings.js';
import { zookeeperLineFilter } from '../local-cluster/zookeeper-lines.js';
import { painter, type Style } from '../output.js';

const ZOOKEEPER_START_MS = 60_000;
const MEMBERSHIP_MS = 90_000;
const BROKER_STOP_MS = 30_000;
/** A second signal sooner than this is the same Ctrl-C delivered twice, not a request to kill. */
const REPEAT_SIGNAL_MS = 1_000;
/** zookeeper.session.timeout.ms unless overridden (Kafka's default). */
const SESSION_TIMEOUT_DEFAULT_MS = 18_000;

class Interrupted extends Error {}

export async function localCluster(options: LocalClusterOptions): Promise<void> {
  const plan = planCluster(options);
  if (!options.zookeeper && !zookeeperInstalled())
    throw new CliError(
      `ZooKeeper is not installed: ${ZOOKEEPER_INSTALL_HINT} (or point --zookeeper at an existing ensemble)`,
    );
  mkdirSync(plan.dataDir, { recursive: true });
  const runFile = new RunFile(plan.dataDir, display(plan.dataDir));
  runFile.checkFree();
  await checkPorts(plan, options);

  const out = new Output(plan.brokers.length);
  const run = new Run(plan, out, runFile);
  runFile.save();
  process.on('SIGINT', run.onSignal);
  process.on('SIGTERM', run.onSignal);
  process.on('SIGHUP', run.onSignal);
  try {
    const connect = await run.interruptible(startZooKeeper(run, plan, options, out));
    const settings = plan.brokers.map((b) => brokerSettings(plan, b, connect, options));
    await run.interruptible(Promise.all(plan.brokers.map((b, i) => launchBroker(run, i, b, settings[i]!, out))));
    const view = await run.interruptible(waitForMembership(run.brokers));
    out.summary(plan, run.brokers, view, connect, run.zookeeper?.child?.pid);
    await run.untilStopped();
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
  } finally {
    // The handlers stay while stopping: a second Ctrl-C then kills the children rather than
    // ending local-cluster alone and leaving them running.
    await run.stopAll();
    runFile.remove();
    process.off('SIGINT', run.onSignal);
    process.off('SIGTERM', run.onSignal);
    process.off('SIGHUP', run.onSignal);
  }
  if (run.allDied) throw new CliError('every broker has exited; ZooKeeper was stopped');
  if (run.forced)
    throw new CliError('stopped by force (a second Ctrl-C): brokers were killed without a clean shutdown');
}

/** What is running, and how it is stopped. */
class Run {
  readonly brokers: BrokerProcess[] = [];
  zookeeper: ZooKeeperServer | undefined;
  stopping = false;
  forced = false;
  allDied = false;
  private firstSignalAt = 0;
  private stopRequested!: () => void;
  private readonly stopped = new Promise<void>((r) => (this.stopRequested = r));

  constructor(
    private readonly plan: ClusterPlan,
    private readonly out: Output,
    readonly file: RunFile,
  ) {}

  readonly onSignal = (signal: NodeJS.Signals): void => {
    if (!this.stopping) {
      this.stopping = true;
      this.firstSignalAt = Date.now();
      this.out.note(`${signal}: stopping the cluster (press Ctrl-C again to kill it at once)`);
      this.stopRequested();
      return;
    }
    // Under `npx`, one Ctrl-C arrives twice: from the terminal and forwarded by npm.
    if (Date.now() - this.firstSignalAt < REPEAT_SIGNAL_MS) return;
    this.forced = true;
    this.out.note('killing every broker and ZooKeeper');
    for (const b of this.brokers) b.kill();
    void this.zookeeper?.kill();
  };

  /** `work`, unless a stop is asked for first. */
  interruptible<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return Promise.race([work, this.stopped.then(() => Promise.reject(new Interrupted()))]);
  }

  /** Runs until a signal, or until every broker has exited; a broker that dies is reported. */
  untilStopped(): Promise<void> {
    for (const b of this.brokers)
      void b.exited.then((exit) => {
        if (b.stopping || this.stopping) return;
        this.out.problem(
          `${b.name} exited unexpectedly (${describeExit(exit)}); the other brokers keep running (restart local-cluster to bring it back)`,
        );
        if (this.brokers.every((x) => !x.running)) {
          this.allDied = true;
          this.stopping = true;
          this.stopRequested();
        }
      });
    return this.stopped;
  }

  /** Brokers one at a time, the controller last (so leadership moves once), then ZooKeeper. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    if (this.brokers.length === 0 && !this.zookeeper) return;
    const running = this.brokers.filter((b) => b.running);
    let controller = -1;
    if (running.length > 1 && !this.forced)
      controller = await clusterView(HOST, running[0]!.port).then(
        (v) => v.controllerId,
        () => -1,
      );
    running.sort((a, b) => Number(a.id === controller) - Number(b.id === controller) || b.id - a.id);
    for (const b of running) {
      this.out.note(`stopping ${b.name}${b.id === controller ? ' (the controller)' : ''}`);
      const exit = await b.stop(BROKER_STOP_MS);
      if (exit.killed) this.out.problem(`${b.name} did not stop within ${BROKER_STOP_MS / 1000} s and was killed`);
      else if (exit.code !== 0 && !this.forced) this.out.problem(`${b.name} exited with ${describeExit(exit)}`);
    }
    for (const b of this.brokers) if (b.running) b.kill();
    await Promise.all(this.brokers.map((b) => b.exited));
    if (this.zookeeper) {
      this.out.note('stopping ZooKeeper');
      await this.zookeeper.stop();
    }
    this.out.note(`stopped; the data stays in ${display(this.plan.dataDir)} for the next run`);
  }
}

async function checkPorts(plan: ClusterPlan, o: LocalClusterOptions): Promise<void> {
  const wanted = plan.brokers.map((b) => ({ port: b.port, what: `broker-${b.id}`, option: '--base-port' }));
  if (!o.zookeeper) wanted.unshift({ port: o.zookeeperPort, what: 'ZooKeeper', option: '--zookeeper-port' });
  for (const w of wanted) {
    const problem = await portProblem(HOST, w.port);
    if (problem === 'EADDRINUSE')
      throw new CliError(
        `port ${w.port} (${w.what}) is already in use on ${HOST}: stop what listens there (another local-cluster or broker?) or choose other ports with ${w.option}`,
      );
    if (problem) throw new CliError(`cannot listen on ${HOST}:${w.port} (${w.what}): ${problem}`);
  }
}

/** Starts Debian's ZooKeeper (or checks the given ensemble); resolves with zookeeper.connect. */
async function startZooKeeper(run: Run, plan: ClusterPlan, o: LocalClusterOptions, out: Output): Promise<string> {
  if (o.zookeeper) {
    const hosts = o.zookeeper.split('/')[0]!.split(',');
    const answers = await Promise.all(
      hosts.map((h) => {
        const colon = h.lastIndexOf(':');
        return reachable(h.slice(0, colon), Number(h.slice(colon + 1)), 3000);
      }),
    );
    if (!answers.some(Boolean)) throw new CliError(`cannot reach ZooKeeper at ${o.zookeeper}`);
    return o.zookeeper;
  }
  out.note(`starting ZooKeeper on ${HOST}:${o.zookeeperPort} (data in ${display(plan.zookeeperDataDir)})`);
  const zk = new ZooKeeperServer({
    dataDir: plan.zookeeperDataDir,
    clientPort: o.zookeeperPort,
    host: HOST,
    logLevel: 'warn',
    detached: true,
    onLine: zookeeperLineFilter((line) => out.line('zookeeper', line, 'stderr')),
  });
  run.zookeeper = zk;
  run.file.zookeeper(zk.launch().pid);
  try {
    await zk.waitServing(ZOOKEEPER_START_MS);
  } catch (e) {
    await zk.kill();
    throw new CliError(`ZooKeeper did not start: ${(e as Error).message.split('\n')[0]}`);
  }
  return zk.connectString;
}

/**
 * Starts broker `index`. A broker killed in an earlier run (kill -9, a crash) is still registered
 * in ZooKeeper until its session expires, and a new process with its id is refused meanwhile (as
 * Kafka refuses it); local-cluster then tries again until that session must have expired.
 */
async function launchBroker(
  run: Run,
  index: number,
  spec: ClusterPlan['brokers'][number],
  settings: Record<string, string>,
  out: Output,
): Promise<void> {
  const sessionMs = Number(settings['zookeeper.session.timeout.ms'] ?? SESSION_TIMEOUT_DEFAULT_MS);
  const deadline = Date.now() + sessionMs + 10_000;
  for (let attempt = 0; ; attempt++) {
    const broker = new BrokerProcess(spec.id, spec.port, settings, out);
    run.brokers[index] = broker;
    run.file.broker(broker.name, broker.child.pid);
    try {
      await broker.started;
      return;
    } catch (e) {
      const stale = /already registered in ZooKeeper/.test((e as Error).message);
      if (!stale || run.stopping || Date.now() > deadline) throw new CliError((e as Error).message);
      if (attempt === 0)
        out.note(
          `${broker.name} is still registered in ZooKeeper by its previous run, which did not stop cleanly; retrying until that session expires (at most ${Math.round(sessionMs / 1000)} s)`,
        );
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** Resolves once every broker's Metadata lists all of them. */
async function waitForMembership(brokers: BrokerProcess[]): Promise<ClusterView> {
  const want = brokers.map((b) => b.id).join();
  const deadline = Date.now() + MEMBERSHIP_MS;
  let views: (ClusterView | undefined)[] = [];
  for (;;) {
    views = await Promise.all(brokers.map((b) => clusterView(HOST, b.port).catch(() => undefined)));
    if (views.every((v) => v?.brokerIds.join() === want && v.controllerId >= 0)) return views[0]!;
    const dead = brokers.find((b) => !b.running);
    if (dead) throw new CliError(`${dead.name} exited while the cluster was forming`);
    if (Date.now() > deadline) {
      const seen = views.map((v, i) => `${brokers[i]!.name} sees [${v?.brokerIds.join(',') ?? 'nothing'}]`);
      throw new CliError(
        `the brokers did not agree on the cluster within ${MEMBERSHIP_MS / 1000} s: ${seen.join('; ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const display = (path: string): string => {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : `./${rel}`;
};

const PREFIX_STYLES: Style[] = ['cyan', 'green', 'yellow', 'bold'];

/** Each process's lines with its name in front; local-cluster's own notes and problems. */
class Output {
  private readonly paintOut = painter(process.stdout);
  private readonly paintErr = painter(process.stderr);
  private readonly width: number;

  constructor(brokers: number) {
    this.width = Math.max(`[broker-${brokers}]`.length, '[zookeeper]'.length);
  }

  line(name: string, text: string, stream: 'stdout' | 'stderr'): void {
    const n = Number(name.replace('broker-', ''));
    const style = name === 'zookeeper' ? 'dim' : PREFIX_STYLES[(n - 1) % PREFIX_STYLES.length]!;
    const paint = stream === 'stdout' ? this.paintOut : this.paintErr;
    const prefix = paint(style, `[${name}]`.padEnd(this.width));
    this.write(stream, `${prefix} ${text}\n`);
  }

  note(text: string): void {
    this.write('stdout', `${this.paintOut('bold', '[local-cluster]')} ${text}\n`);
  }

  problem(text: string): void {
    this.write('stderr', `${this.paintErr('red', `gregor: warning: ${text}`)}\n`);
  }

  summary(
    plan: ClusterPlan,
    brokers: BrokerProcess[],
    view: ClusterView,
    zookeeper: string,
    zookeeperPid: number | undefined,
  ): void {
    const bootstrap = brokers.map((b) => `${HOST}:${b.port}`).join(',');
    const rows = brokers.map((b, i) => {
      const role = b.id === view.controllerId ? '  (controller)' : '';
      return `  ${b.name}  ${HOST}:${b.port}  pid ${b.child.pid}  data ${display(plan.brokers[i]!.dataDir)}${role}`;
    });
    const rf = Math.min(3, brokers.length);
    const text = [
      '',
      this.paintOut(
        'green',
        `Cluster ready: ${brokers.length} broker(s), controller broker-${view.controllerId}, cluster id ${view.clusterId}`,
      ),
      ...rows,
      zookeeperPid === undefined
        ? `  zookeeper ${zookeeper} (existing)`
        : `  zookeeper ${zookeeper}  pid ${zookeeperPid}  data ${display(plan.zookeeperDataDir)}`,
      '',
      `Bootstrap servers: ${bootstrap}`,
      'Try, in another terminal (or pass --bootstrap-server to each command):',
      `  export GREGOR_BOOTSTRAP_SERVER=${bootstrap}`,
      `  npx gregor topic create orders --partitions 6 --replication-factor ${rf}`,
      `  echo 'order-1:hello' | npx gregor produce orders --key-separator :`,
      '  npx gregor consume orders --from-beginning --print-key --max-messages 1',
      '  npx gregor topic describe orders',
      '  npx gregor cluster describe',
      `  kill <pid of a broker>    # watch its partitions fail over; restart local-cluster to bring it back`,
      'Ctrl-C stops every broker (controlled shutdown) and ZooKeeper; the data is kept for the next run.',
      '',
    ];
    this.write('stdout', `${text.join('\n')}\n`);
  }

  private write(stream: 'stdout' | 'stderr', text: string): void {
    if (stream === 'stdout' && stdoutClosed.aborted) return;
    (stream === 'stdout' ? process.stdout : process.stderr).write(text);
  }
}
