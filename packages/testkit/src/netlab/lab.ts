/**
 * NetLab: nodes in their own network namespaces on one Linux bridge, for network-partition tests.
 *
 * The bridge lives in the root namespace and holds the lab subnet's first address, so the test
 * process itself (the "clients") reaches every node directly. Each node is a namespace with a
 * veth to the bridge, loopback up and one address in a /24 chosen at random among 10.100–254.x.0
 * (skipping any subnet already routed here), so parallel test files get separate labs.
 *
 * Faults are nftables rules in each node's namespace, on its input hook only: packets from a cut
 * peer are dropped silently on arrival, so connections time out as they would across a real
 * partition (a drop on output would fail the sender's connect() at once with EPERM instead).
 * Each namespace holds one table, `inet gregor_netlab`, with a set of blocked peer addresses and
 * a chain for random loss. Needs root, iproute2 and nftables (see the testkit README).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { probeTcp, type ProbeOptions, type ProbeResult } from './probe.js';
import { bridgeName, claim, netnsName, sweepStale, teardown, track, untrack, vethName } from './registry.js';
import { ipBatch, run } from './shell.js';

const TABLE = 'inet gregor_netlab';
const RULESET = `
table ${TABLE} {
  set blocked { type ipv4_addr; }
  chain loss { }
  chain input {
    type filter hook input priority filter; policy accept;
    iif "lo" accept
    ip saddr @blocked drop
    jump loss
  }
}
`;
const NODE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,31}$/;

export interface NetLabOptions {
  /** A label for the lab, kept in its state file (/run/gregor-netlab/<id>) and in errors. */
  name?: string;
}

export interface IsolateOptions {
  /** Keep the node reachable from the root namespace, i.e. from clients (default true). */
  keepClients?: boolean;
}

/** A node of a lab: a network namespace with one address on the lab's bridge. */
export class LabNode {
  /** The argv prefix that runs a command inside this node's namespace. */
  readonly wrap: readonly string[];

  constructor(
    readonly name: string,
    readonly ip: string,
    readonly netns: string,
  ) {
    this.wrap = ['ip', 'netns', 'exec', netns];
  }

  /** `[command, args]` that run `cmd args` inside the namespace: `spawn(...node.spawnArgs('java', ['-version']))`. */
  spawnArgs(cmd: string, args: readonly string[] = []): [string, string[]] {
    return [this.wrap[0]!, [...this.wrap.slice(1), cmd, ...args]];
  }

  /**
   * Spawns `cmd args` inside the namespace. `ip netns exec` replaces itself with the command, so
   * the child's pid is the command's own and signals reach it.
   */
  exec(cmd: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
    const [command, argv] = this.spawnArgs(cmd, args);
    return spawn(command, argv, options);
  }

  /** Connects to host:port from inside this node (see probeTcp). */
  probe(host: string, port: number, options: ProbeOptions = {}): Promise<ProbeResult> {
    return probeTcp(host, port, options, this.wrap);
  }

  /** Applies an nft script to this node's table. */
  async nft(script: string): Promise<void> {
    await run(this.wrap[0]!, [...this.wrap.slice(1), 'nft', '-f', '-'], script);
  }
}

export class NetLab {
  private readonly byName = new Map<string, LabNode>();
  private destroyed = false;

  private constructor(
    /** Five characters naming everything the lab makes: bridge `gl-<id>`, namespaces `gl-<id>-<node>`. */
    readonly id: string,
    readonly name: string,
    /** The first three octets of the lab's /24, e.g. `10.173.42`. */
    readonly subnet: string,
  ) {}

  /** The root namespace's address on the lab bridge: where clients' connections to nodes come from. */
  get clientIp(): string {
    return `${this.subnet}.1`;
  }

  get bridge(): string {
    return bridgeName(this.id);
  }

  /**
   * Why a lab cannot be built here (not root, no `ip netns`, no `nft`), or undefined when it can:
   * `test('…', { skip: await NetLab.unavailable() }, …)`.
   */
  static async unavailable(): Promise<string | undefined> {
    if (process.platform !== 'linux') return 'network namespaces need Linux';
    if (process.getuid?.() !== 0) return 'NetLab needs root to create network namespaces';
    try {
      await run('ip', ['-V']);
    } catch {
      return 'iproute2 is not installed (apt-get install -y iproute2)';
    }
    try {
      await run('nft', ['--version']);
    } catch {
      return 'nftables is not installed (apt-get install -y nftables)';
    }
    // Outside the lab naming (gl-), so no lab's stale sweep takes it for its own.
    const probe = `glprobe-${process.pid}-${randomBytes(3).toString('hex')}`;
    try {
      await run('ip', ['netns', 'add', probe]);
      await run('ip', ['netns', 'exec', probe, 'nft', 'list', 'ruleset']);
    } catch (err) {
      return `cannot use a network namespace here: ${(err as Error).message}`;
    } finally {
      await run('ip', ['netns', 'del', probe]).catch(() => undefined);
    }
    return undefined;
  }

  /**
   * Makes the lab's bridge, after tearing down labs left behind by processes that are gone. The
   * lab is torn down on process exit or SIGINT/SIGTERM/SIGHUP if destroy() was not called.
   */
  static async create(options: NetLabOptions = {}): Promise<NetLab> {
    const label = options.name ?? 'lab';
    sweepStale();
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = randomId();
      if (!claim(id, label)) continue;
      track(id);
      const bridge = bridgeName(id);
      try {
        const subnet = await freeSubnet();
        if (!subnet) throw new Error('no free 10.x.y.0/24 subnet for a lab');
        await ipBatch([
          `link add ${bridge} type bridge`,
          `addr add ${subnet}.1/24 dev ${bridge}`,
          `link set ${bridge} up`,
        ]);
        // Another lab may have picked the same subnet at the same moment: both routes now show.
        if ((await routedSubnets()).filter((r) => r.dst === `${subnet}.0/24`).length > 1) {
          teardown(id);
          untrack(id);
          continue;
        }
        return new NetLab(id, label, subnet);
      } catch (err) {
        teardown(id);
        untrack(id);
        throw new Error(`NetLab ${label}: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new Error(`NetLab ${label}: no free lab id and subnet after 20 attempts`);
  }

  /** Adds a node: a namespace `gl-<id>-<name>` with `eth0` on the bridge at the next address. */
  async addNode(name: string): Promise<LabNode> {
    this.assertLive();
    if (!NODE_NAME.test(name)) throw new Error(`node name ${JSON.stringify(name)}: use letters, digits, _ and -`);
    if (this.byName.has(name)) throw new Error(`lab ${this.name} has a node ${name} already`);
    const index = this.byName.size;
    if (index > 250) throw new Error(`lab ${this.name} is full (251 nodes)`);
    const node = new LabNode(name, `${this.subnet}.${index + 2}`, netnsName(this.id, name));
    const veth = vethName(this.id, index);
    try {
      await ipBatch([
        `netns add ${node.netns}`,
        `link add ${veth} type veth peer name eth0 netns ${node.netns}`,
        `link set ${veth} master ${this.bridge}`,
        `link set ${veth} up`,
      ]);
      await ipBatch(['link set lo up', `addr add ${node.ip}/24 dev eth0`, 'link set eth0 up'], node.netns);
      await node.nft(RULESET);
    } catch (err) {
      await run('ip', ['-force', '-batch', '-'], `link del ${veth}\nnetns del ${node.netns}\n`).catch(() => undefined);
      throw err;
    }
    this.byName.set(name, node);
    return node;
  }

  node(name: string): LabNode {
    const node = this.byName.get(name);
    if (!node) throw new Error(`lab ${this.name} has no node ${name} (nodes: ${[...this.byName.keys()].join(', ')})`);
    return node;
  }

  get nodes(): LabNode[] {
    return [...this.byName.values()];
  }

  /**
   * Cuts traffic both ways between every node of `groupA` and every node of `groupB`; each node
   * stays reachable from the root namespace and from its own group. Cuts add up until heal().
   */
  async partition(groupA: readonly string[], groupB: readonly string[]): Promise<void> {
    this.assertLive();
    const a = groupA.map((n) => this.node(n));
    const b = groupB.map((n) => this.node(n));
    const both = a.filter((n) => b.includes(n));
    if (both.length > 0) throw new Error(`partition: ${both.map((n) => n.name).join(', ')} in both groups`);
    await Promise.all([
      ...a.map((n) =>
        block(
          n,
          b.map((p) => p.ip),
        ),
      ),
      ...b.map((n) =>
        block(
          n,
          a.map((p) => p.ip),
        ),
      ),
    ]);
  }

  /**
   * Cuts `name` off from every other node; with `keepClients: false` from the root namespace too
   * (its listeners then time out for clients as well).
   */
  async isolate(name: string, options: IsolateOptions = {}): Promise<void> {
    const others = this.nodes.filter((n) => n.name !== name).map((n) => n.name);
    await this.partition([name], others);
    if (options.keepClients === false) await block(this.node(name), [this.clientIp]);
  }

  /** Drops `percent` (0–100) of the packets arriving at `name`, from anyone but itself. */
  async loss(name: string, percent: number): Promise<void> {
    this.assertLive();
    if (!Number.isInteger(percent) || percent < 0 || percent > 100)
      throw new Error(`loss: percent must be an integer 0–100, got ${percent}`);
    // numgen yields 0–99: `< 100` is out of its range, so all-loss is a plain drop.
    const match = percent === 100 ? '' : `numgen random mod 100 < ${percent} `;
    const rule = percent > 0 ? `add rule ${TABLE} loss ${match}drop\n` : '';
    await this.node(name).nft(`flush chain ${TABLE} loss\n${rule}`);
  }

  /** Lifts every cut and every loss rule. */
  async heal(): Promise<void> {
    this.assertLive();
    await Promise.all(this.nodes.map((n) => n.nft(`flush set ${TABLE} blocked\nflush chain ${TABLE} loss\n`)));
  }

  /** Connects to host:port from the root namespace, i.e. as a client (see probeTcp). */
  probe(host: string, port: number, options: ProbeOptions = {}): Promise<ProbeResult> {
    return probeTcp(host, port, options);
  }

  /**
   * Kills the processes left inside the nodes and removes the namespaces, veths and bridge.
   * Idempotent.
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    teardown(this.id);
    untrack(this.id);
  }

  private assertLive(): void {
    if (this.destroyed) throw new Error(`lab ${this.name} (${this.id}) was destroyed`);
  }
}

async function block(node: LabNode, ips: readonly string[]): Promise<void> {
  if (ips.length > 0) await node.nft(`add element ${TABLE} blocked { ${ips.join(', ')} }\n`);
}

function randomId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 5 }, () => alphabet[randomInt(alphabet.length)]).join('');
}

async function routedSubnets(): Promise<{ dst: string; dev?: string }[]> {
  return JSON.parse(await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst: string; dev?: string }[];
}

const toInt = (ip: string): number => ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);

/** A random 10.x.y (x in 100–254) whose /24 overlaps no route here but the default one. */
async function freeSubnet(): Promise<string | undefined> {
  const taken = (await routedSubnets())
    .filter((r) => r.dst !== 'default' && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(r.dst))
    .map((r) => {
      const [addr, bits] = r.dst.split('/');
      return { base: toInt(addr!), bits: Number(bits ?? 32) };
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const subnet = `10.${randomInt(100, 255)}.${randomInt(0, 256)}`;
    const base = toInt(`${subnet}.0`);
    const overlaps = taken.some((t) => {
      const bits = Math.min(24, t.bits);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return (base & mask) >>> 0 === (t.base & mask) >>> 0;
    });
    if (!overlaps) return subnet;
  }
  return undefined;
}
