/**
 * Apache ZooKeeper as a child process: Debian's `zookeeper` package (3.8, jars under
 * /usr/share/java) run with `java`, as a standalone server (ZooKeeperServerMain) or an ensemble
 * member (QuorumPeerMain). `gregor local-cluster` runs one for a cluster on this machine; the test
 * kit runs them on ephemeral ports with faults. The server's config is written as `zoo.cfg` in
 * its data directory, so a restart on the same directory serves the same data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ZOOKEEPER_JARS = ['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar', 'slf4j-simple.jar'].map((j) =>
  join('/usr/share/java', j),
);

export const ZOOKEEPER_INSTALL_HINT = 'on Debian/Ubuntu run `sudo apt-get install zookeeper`';

/** Whether Debian's ZooKeeper and a Java runtime are installed (`apt-get install zookeeper`). */
export function zookeeperInstalled(): boolean {
  return (
    ZOOKEEPER_JARS.every((j) => existsSync(j)) && spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0
  );
}

export interface EnsembleMember {
  host: string;
  peerPort: number;
  electionPort: number;
}

export interface ZooKeeperServerOptions {
  /** Data (snapshots, transaction logs) and zoo.cfg; created when missing. */
  dataDir: string;
  clientPort: number;
  /** The address it binds (and advertises to its peers); default 127.0.0.1. */
  host?: string;
  /** ZooKeeper's tick (default 2000 ms, ZooKeeper's own); session timeouts must be 2 to 20 ticks. */
  tickTimeMs?: number;
  /** For an ensemble: this member's id (1-based) and every member, in id order. */
  ensemble?: { id: number; members: readonly EnsembleMember[] };
  /** An argv prefix to run java under, e.g. `ip netns exec <ns>`. */
  wrap?: readonly string[];
  /** The lowest level ZooKeeper logs (slf4j-simple); default info, ZooKeeper's own. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Its own process group, so a Ctrl-C at the terminal reaches only the parent, which stops
   * ZooKeeper after whatever depends on it.
   */
  detached?: boolean;
  /** Called with each line ZooKeeper writes (it logs to stderr). */
  onLine?: (line: string) => void;
}

/** Asks a server `srvr` (ZooKeeper's four-letter status word); true once it serves requests. */
export function zookeeperServing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    let reply = '';
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('connect', () => socket.end('srvr'));
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('close', () => resolve(/Mode: (standalone|leader|follower)/.test(reply)));
    socket.on('error', () => resolve(false));
  });
}

export class ZooKeeperServer {
  readonly configFile: string;
  readonly host: string;
  child: ChildProcess | undefined;
  /** The tail of the output, for error messages. */
  private tail = '';

  constructor(readonly options: ZooKeeperServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    mkdirSync(options.dataDir, { recursive: true });
    this.configFile = join(options.dataDir, 'zoo.cfg');
    writeFileSync(this.configFile, `${this.configLines().join('\n')}\n`);
  }

  get clientPort(): number {
    return this.options.clientPort;
  }

  /** `host:port` for clients. */
  get connectString(): string {
    return `${this.host}:${this.clientPort}`;
  }

  private configLines(): string[] {
    const o = this.options;
    const lines = [
      `tickTime=${o.tickTimeMs ?? 2000}`,
      `dataDir=${o.dataDir}`,
      `clientPort=${o.clientPort}`,
      `clientPortAddress=${this.host}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,stat,ruok',
      'maxClientCnxns=0',
      'initLimit=20',
      'syncLimit=10',
    ];
    if (o.ensemble) {
      writeFileSync(join(o.dataDir, 'myid'), `${o.ensemble.id}\n`);
      o.ensemble.members.forEach((m, j) => lines.push(`server.${j + 1}=${m.host}:${m.peerPort}:${m.electionPort}`));
    }
    return lines;
  }

  /**
   * Starts the process without waiting for it to serve (ensemble members serve only once a
   * quorum runs, so they are all launched before any is waited for).
   */
  launch(): ChildProcess {
    const mainClass = this.options.ensemble
      ? 'org.apache.zookeeper.server.quorum.QuorumPeerMain'
      : 'org.apache.zookeeper.server.ZooKeeperServerMain';
    const argv = [
      ...(this.options.wrap ?? []),
      'java',
      '-Xmx128m',
      '-XX:+UseSerialGC',
      `-Dorg.slf4j.simpleLogger.defaultLogLevel=${this.options.logLevel ?? 'info'}`,
      '-cp',
      ZOOKEEPER_JARS.join(':'),
      mainClass,
      this.configFile,
    ];
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.options.detached === true,
    });
    this.tail = '';
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.tail = `${this.tail}${line}\n`.slice(-4_000);
        this.options.onLine?.(line);
      });
    }
    this.child = child;
    return child;
  }

  /** The last few kilobytes ZooKeeper wrote. */
  output(): string {
    return this.tail;
  }

  /** Resolves once the server answers `srvr` as standalone, leader or follower. */
  async waitServing(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`ZooKeeper exited (${child?.exitCode ?? child?.signalCode}): ${this.tail}`);
      if (await zookeeperServing(this.host, this.clientPort)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`ZooKeeper on port ${this.clientPort} did not serve within ${timeoutMs} ms: ${this.tail}`);
  }

  /** Launches the server and resolves once it serves; a server that fails to is killed. */
  async start(timeoutMs = 60_000): Promise<void> {
    this.launch();
    try {
      await this.waitServing(timeoutMs);
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  /** Sends `signal` (default SIGKILL); resolves when the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = processGone(child);
    child.kill('SIGCONT');
    child.kill(signal);
    await gone;
    this.child = undefined;
  }

  /** SIGTERM, and SIGKILL if it has not exited after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }
}

/** Resolves when `child` has exited (at once if it already has). */
function processGone(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}
