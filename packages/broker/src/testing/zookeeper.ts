/**
 * A real Apache ZooKeeper for tests: Debian's `zookeeper` package (3.8) run as a Java process on
 * ephemeral 127.0.0.1 ports, one node (ZooKeeperServerMain) or an ensemble (QuorumPeerMain), with
 * helpers to kill, pause and restart a node. Every node's data lives under one temporary
 * directory that `stop()` removes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const JARS = ['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar', 'slf4j-simple.jar'].map((j) =>
  join('/usr/share/java', j),
);

/** Whether Debian's ZooKeeper and a Java runtime are installed (`apt-get install zookeeper`). */
export function zookeeperInstalled(): boolean {
  return JARS.every((j) => existsSync(j)) && spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

export interface ZooKeeperNode {
  id: number;
  clientPort: number;
  child: ChildProcess | undefined;
}

export interface TestZooKeeper {
  /** `host:port,host:port,…` of every node (add a chroot as `${connectString}/chroot`). */
  connectString: string;
  nodes: ZooKeeperNode[];
  /** SIGKILLs node `i` (0-based); resolves when the process is gone. */
  kill(i: number): Promise<void>;
  /** SIGSTOP / SIGCONT node `i`. */
  pause(i: number): void;
  resume(i: number): void;
  /** Starts node `i` again on the same ports and data; resolves when it serves. */
  restart(i: number): Promise<void>;
  /** Stops every node and removes the data. */
  stop(): Promise<void>;
}

export interface ZooKeeperOptions {
  /** 1 for a standalone server, 3 (or 5) for an ensemble. */
  nodes?: number;
  /** ZooKeeper's tick; session timeouts must be between 2 and 20 ticks. */
  tickTimeMs?: number;
  /**
   * Where each node runs, for network-partition tests: the address it binds and advertises to
   * its peers (default 127.0.0.1) and an argv prefix it is spawned under, such as a NetLab node's
   * `wrap` (`ip netns exec <ns>`). One entry per node.
   */
  hosts?: { host: string; wrap?: readonly string[] }[];
}

/** A port that was free a moment ago (ZooKeeper cannot bind port 0 for its quorum ports). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Asks a node `srvr` (ZooKeeper's four-letter status word); true once it serves requests. */
function serving(host: string, port: number): Promise<boolean> {
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

async function waitServing(
  host: string,
  port: number,
  timeoutMs: number,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ZooKeeper exited (${child.exitCode}): ${log()}`);
    if (await serving(host, port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ZooKeeper on port ${port} did not serve within ${timeoutMs} ms: ${log()}`);
}

export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<TestZooKeeper> {
  if (!zookeeperInstalled())
    throw new Error('ZooKeeper is not installed: apt-get install -y --no-install-recommends zookeeper');
  const count = options.nodes ?? 1;
  const tick = options.tickTimeMs ?? 500;
  if (options.hosts && options.hosts.length !== count)
    throw new Error(`ZooKeeper: ${options.hosts.length} hosts given for ${count} nodes`);
  const hostOf = (i: number): string => options.hosts?.[i]?.host ?? '127.0.0.1';
  const root = mkdtempSync(join(tmpdir(), 'gregor-zk-'));
  const ports: { client: number; peer: number; election: number }[] = [];
  for (let i = 0; i < count; i++)
    ports.push({ client: await freePort(), peer: await freePort(), election: await freePort() });

  const nodes: ZooKeeperNode[] = ports.map((p, i) => ({ id: i + 1, clientPort: p.client, child: undefined }));
  const logs = nodes.map(() => '');
  const configFor = (i: number): string => {
    const dataDir = join(root, `node-${i + 1}`);
    mkdirSync(dataDir, { recursive: true });
    const lines = [
      `tickTime=${tick}`,
      `dataDir=${dataDir}`,
      `clientPort=${ports[i]!.client}`,
      `clientPortAddress=${hostOf(i)}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,stat,ruok',
      'maxClientCnxns=0',
      'initLimit=20',
      'syncLimit=10',
    ];
    if (count > 1) {
      writeFileSync(join(dataDir, 'myid'), `${i + 1}\n`);
      ports.forEach((p, j) => lines.push(`server.${j + 1}=${hostOf(j)}:${p.peer}:${p.election}`));
    }
    const file = join(root, `zoo-${i + 1}.cfg`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const configs = nodes.map((_, i) => configFor(i));
  const mainClass =
    count > 1 ? 'org.apache.zookeeper.server.quorum.QuorumPeerMain' : 'org.apache.zookeeper.server.ZooKeeperServerMain';

  const launch = (i: number): ChildProcess => {
    const argv = [
      ...(options.hosts?.[i]?.wrap ?? []),
      'java',
      '-Xmx128m',
      '-XX:+UseSerialGC',
      '-cp',
      JARS.join(':'),
      mainClass,
      configs[i]!,
    ];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    // Keep the tail of the output for error messages; ZooKeeper logs a lot at INFO.
    const keep = (d: Buffer) => (logs[i] = (logs[i]! + d.toString()).slice(-4_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    nodes[i]!.child = child;
    return child;
  };
  const exited = (child: ChildProcess): Promise<void> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((r) => child.once('exit', () => r()));

  const started = nodes.map((_, i) => launch(i));
  try {
    await Promise.all(
      started.map((child, i) => waitServing(hostOf(i), ports[i]!.client, 60_000, child, () => logs[i]!)),
    );
  } catch (err) {
    for (const c of started) c.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  const kill = async (i: number): Promise<void> => {
    const child = nodes[i]!.child;
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
    nodes[i]!.child = undefined;
  };
  return {
    connectString: ports.map((p, i) => `${hostOf(i)}:${p.client}`).join(','),
    nodes,
    kill,
    pause(i) {
      nodes[i]!.child?.kill('SIGSTOP');
    },
    resume(i) {
      nodes[i]!.child?.kill('SIGCONT');
    },
    async restart(i) {
      await kill(i);
      const child = launch(i);
      await waitServing(hostOf(i), ports[i]!.client, 60_000, child, () => logs[i]!);
    },
    async stop() {
      for (let i = 0; i < nodes.length; i++) {
        nodes[i]!.child?.kill('SIGCONT');
        await kill(i);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
