/**
 * A real Apache ZooKeeper for tests: Debian's `zookeeper` package (3.8) run as a Java process on
 * ephemeral 127.0.0.1 ports, one node (ZooKeeperServerMain) or an ensemble (QuorumPeerMain), with
 * helpers to kill, pause and restart a node. Every node's data lives under one temporary
 * directory that `stop()` removes.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperServer, zookeeperInstalled } from '../zk/zookeeper-server.js';

export { zookeeperInstalled };

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
  const members = ports.map((p, i) => ({ host: hostOf(i), peerPort: p.peer, electionPort: p.election }));
  const servers = ports.map(
    (p, i) =>
      new ZooKeeperServer({
        dataDir: join(root, `node-${i + 1}`),
        clientPort: p.client,
        host: hostOf(i),
        tickTimeMs: tick,
        ...(count > 1 ? { ensemble: { id: i + 1, members } } : {}),
        ...(options.hosts?.[i]?.wrap ? { wrap: options.hosts[i].wrap } : {}),
      }),
  );
  const nodes: ZooKeeperNode[] = servers.map((s, i) => ({
    id: i + 1,
    clientPort: s.clientPort,
    get child() {
      return s.child;
    },
  }));

  for (const s of servers) s.launch();
  try {
    await Promise.all(servers.map((s) => s.waitServing(60_000)));
  } catch (err) {
    await Promise.all(servers.map((s) => s.kill()));
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  return {
    connectString: servers.map((s) => s.connectString).join(','),
    nodes,
    kill: (i) => servers[i]!.kill(),
    pause: (i) => servers[i]!.pause(),
    resume: (i) => servers[i]!.resume(),
    async restart(i) {
      await servers[i]!.kill();
      servers[i]!.launch();
      await servers[i]!.waitServing(60_000);
    },
    async stop() {
      for (const s of servers) await s.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
