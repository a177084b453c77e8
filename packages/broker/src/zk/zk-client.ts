/**
 * A promise-shaped ZooKeeper session for the broker, over `node-zookeeper-client` (pure JS).
 * Adds what Kafka's `KafkaZkClient` relies on: a chroot created on first connect, conditional
 * writes that fail with a typed `ZkError` (BAD_VERSION, NO_NODE, NODE_EXISTS…), atomic multi-ops,
 * one-shot watches re-armed by the caller, and a session-state stream (connected, disconnected,
 * expired) so the owner can re-register ephemeral nodes on a new session, as Kafka does.
 */
import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { Client, Stat as RawStat } from 'node-zookeeper-client';

export const ZkErrorCode = {
  NO_NODE: 'NO_NODE',
  NODE_EXISTS: 'NODE_EXISTS',
  BAD_VERSION: 'BAD_VERSION',
  NOT_EMPTY: 'NOT_EMPTY',
  CONNECTION_LOSS: 'CONNECTION_LOSS',
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  TIMEOUT: 'TIMEOUT',
  OTHER: 'OTHER',
} as const;
export type ZkErrorCode = (typeof ZkErrorCode)[keyof typeof ZkErrorCode];

export class ZkError extends Error {
  constructor(
    readonly code: ZkErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ZkError';
  }
}

const EXCEPTION_CODES: Record<string, ZkErrorCode> = {
  NO_NODE: ZkErrorCode.NO_NODE,
  NODE_EXISTS: ZkErrorCode.NODE_EXISTS,
  BAD_VERSION: ZkErrorCode.BAD_VERSION,
  NOT_EMPTY: ZkErrorCode.NOT_EMPTY,
  CONNECTION_LOSS: ZkErrorCode.CONNECTION_LOSS,
  SESSION_EXPIRED: ZkErrorCode.SESSION_EXPIRED,
  OPERATION_TIMEOUT: ZkErrorCode.TIMEOUT,
};

function toZkError(err: unknown, path?: string): ZkError {
  if (err instanceof ZkError) return err;
  const name = (err as { name?: string } | null)?.name ?? '';
  const code = EXCEPTION_CODES[name] ?? ZkErrorCode.OTHER;
  return new ZkError(code, `${name || 'ZooKeeper error'}${path ? ` at ${path}` : ''}: ${String(err)}`, path);
}

/** The parts of a znode's stat Kafka uses: versions for conditional writes, czxid for broker epochs. */
export interface ZkStat {
  version: number;
  cversion: number;
  /** Transaction id that created the node: Kafka's broker epoch for /brokers/ids/<id>. */
  czxid: bigint;
  mzxid: bigint;
  ephemeralOwner: bigint;
  numChildren: number;
}

function stat(raw: RawStat): ZkStat {
  return {
    version: raw.version,
    cversion: raw.cversion,
    czxid: raw.czxid.readBigInt64BE(0),
    mzxid: raw.mzxid.readBigInt64BE(0),
    ephemeralOwner: raw.ephemeralOwner.readBigInt64BE(0),
    numChildren: raw.numChildren,
  };
}

export type ZkMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';
const MODES: Record<ZkMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  'persistent-sequential': zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

/** One operation of an atomic multi (ZooKeeper's `multi`). */
export type ZkOp =
  | { op: 'create'; path: string; data: Buffer; mode?: ZkMode }
  | { op: 'set'; path: string; data: Buffer; version: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'delete'; path: string; version: number };

export type ZkSessionState = 'connected' | 'disconnected' | 'expired';

/** `host:port[,host:port…][/chroot]` split into the servers and the chroot ('' for none). */
export function parseConnectString(connect: string): { servers: string; chroot: string } {
  const slash = connect.indexOf('/');
  const servers = slash < 0 ? connect : connect.slice(0, slash);
  let chroot = slash < 0 ? '' : connect.slice(slash).replace(/\/+$/, '');
  if (chroot === '/') chroot = '';
  if (!servers || servers.split(',').some((s) => !/^[^:\s]+:\d+$/.test(s.trim())))
    throw new Error(`zookeeper.connect must be host:port[,host:port...][/chroot], got '${connect}'`);
  return { servers, chroot };
}

export interface ZkClientOptions {
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
}

export class ZkClient {
  private readonly events = new EventEmitter();
  private closed = false;

  private constructor(
    private readonly client: Client,
    readonly chroot: string,
  ) {
    client.on('state', (s) => {
      if (s === zookeeper.State.SYNC_CONNECTED) this.events.emit('state', 'connected');
      else if (s === zookeeper.State.DISCONNECTED) this.events.emit('state', 'disconnected');
      else if (s === zookeeper.State.EXPIRED) this.events.emit('state', 'expired');
    });
  }

  /** Connects (creating the chroot first when there is one), or fails after the connection timeout. */
  static async connect(connectString: string, options: ZkClientOptions): Promise<ZkClient> {
    const { servers, chroot } = parseConnectString(connectString);
    if (chroot) {
      const bootstrap = await ZkClient.open(servers, '', options);
      try {
        await bootstrap.createRecursive(chroot, Buffer.alloc(0));
      } catch (err) {
        if (!(err instanceof ZkError && err.code === ZkErrorCode.NODE_EXISTS)) throw err;
      } finally {
        bootstrap.close();
      }
    }
    return ZkClient.open(servers + chroot, chroot, options);
  }

  private static open(connect: string, chroot: string, options: ZkClientOptions): Promise<ZkClient> {
    const client = zookeeper.createClient(connect, {
      sessionTimeout: options.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(
          new ZkError(
            ZkErrorCode.TIMEOUT,
            `could not connect to ZooKeeper at ${connect} within ${options.connectionTimeoutMs} ms`,
          ),
        );
      }, options.connectionTimeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve(new ZkClient(client, chroot));
      });
      client.connect();
    });
  }

  /** Session state changes; 'expired' means every ephemeral node and watch of this session is gone. */
  onState(listener: (state: ZkSessionState) => void): () => void {
    this.events.on('state', listener);
    return () => this.events.off('state', listener);
  }

  /** The negotiated session timeout. */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  private call<T>(path: string, fn: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
    if (this.closed)
      return Promise.reject(new ZkError(ZkErrorCode.SESSION_EXPIRED, 'ZooKeeper client is closed', path));
    return new Promise((resolve, reject) => {
      fn((err, value) => (err ? reject(toZkError(err, path)) : resolve(value)));
    });
  }

  /** A node's data and stat, or null when it does not exist. A watcher fires once on its next change. */
  async get(path: string, watcher?: () => void): Promise<{ data: Buffer; stat: ZkStat } | null> {
    try {
      return await this.call<{ data: Buffer; stat: ZkStat }>(path, (cb) => {
        const done = (err: unknown, data: Buffer, s: RawStat) =>
          cb(err, err ? (undefined as never) : { data: data ?? Buffer.alloc(0), stat: stat(s) });
        if (watcher) this.client.getData(path, () => watcher(), done);
        else this.client.getData(path, done);
      });
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkErrorCode.NO_NODE) {
        // Watch for creation, as Kafka's ZNodeChangeHandler does, by setting an exists watch.
        if (watcher) await this.exists(path, watcher);
        return null;
      }
      throw err;
    }
  }

  /** A node's stat, or null; a watcher fires once when it is created, changed or deleted. */
  exists(path: string, watcher?: () => void): Promise<ZkStat | null> {
    return this.call(path, (cb) => {
      const done = (err: unknown, s: RawStat) => cb(err, s ? stat(s) : null);
      if (watcher) this.client.exists(path, () => watcher(), done);
      else this.client.exists(path, done);
    });
  }

  /** Child names (not paths), sorted; [] when the node does not exist. */
  async children(path: string, watcher?: () => void): Promise<string[]> {
    try {
      const names = await this.call<string[]>(path, (cb) => {
        if (watcher)
          this.client.getChildren(
            path,
            () => watcher(),
            (err, c) => cb(err, c),
          );
        else this.client.getChildren(path, (err, c) => cb(err, c));
      });
      return [...names].sort();
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkErrorCode.NO_NODE) {
        if (watcher) await this.exists(path, watcher);
        return [];
      }
      throw err;
    }
  }

  /** Creates a node; returns its actual path (with the sequence number for sequential modes). */
  create(path: string, data: Buffer, mode: ZkMode = 'persistent'): Promise<string> {
    return this.call(path, (cb) => this.client.create(path, data, MODES[mode], (err, p) => cb(err, p)));
  }

  /** Creates a node and any missing parents (parents empty and persistent). */
  async createRecursive(path: string, data: Buffer, mode: ZkMode = 'persistent'): Promise<string> {
    try {
      return await this.create(path, data, mode);
    } catch (err) {
      if (!(err instanceof ZkError && err.code === ZkErrorCode.NO_NODE)) throw err;
      await this.ensurePath(path.slice(0, path.lastIndexOf('/')));
      return this.create(path, data, mode);
    }
  }

  /** Makes sure a persistent path exists (creating empty parents), like Kafka's makeSurePersistentPathExists. */
  async ensurePath(path: string): Promise<void> {
    if (!path || path === '/') return;
    try {
      await this.create(path, Buffer.alloc(0));
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkErrorCode.NODE_EXISTS) return;
      if (!(err instanceof ZkError && err.code === ZkErrorCode.NO_NODE)) throw err;
      await this.ensurePath(path.slice(0, path.lastIndexOf('/')));
      await this.ensurePath(path);
    }
  }

  /** Writes data only if the node is still at `version` (-1: any); BAD_VERSION otherwise. */
  set(path: string, data: Buffer, version: number): Promise<ZkStat> {
    return this.call(path, (cb) => this.client.setData(path, data, version, (err, s) => cb(err, s ? stat(s) : null!)));
  }

  /** Deletes a node at `version` (-1: any). */
  delete(path: string, version = -1): Promise<void> {
    return this.call(path, (cb) => this.client.remove(path, version, (err) => cb(err, undefined)));
  }

  /** Deletes a node and everything under it; absent nodes are fine. */
  async deleteRecursive(path: string): Promise<void> {
    for (const child of await this.children(path)) await this.deleteRecursive(`${path}/${child}`);
    try {
      await this.delete(path);
    } catch (err) {
      if (!(err instanceof ZkError && err.code === ZkErrorCode.NO_NODE)) throw err;
    }
  }

  /** Applies every operation or none (ZooKeeper's multi). */
  multi(ops: ZkOp[]): Promise<void> {
    const tx = this.client.transaction();
    // node-zookeeper-client 1.1.3's Transaction turns version 0 into -1 ("any version") with
    // `version || -1`, which would make a check of a fresh znode unconditional; the version is
    // put back on the queued operation.
    const queued = (tx as unknown as { ops: { version?: number }[] }).ops;
    for (const o of ops) {
      if (o.op === 'create') tx.create(o.path, o.data, MODES[o.mode ?? 'persistent']);
      else if (o.op === 'set') tx.setData(o.path, o.data, o.version);
      else if (o.op === 'check') tx.check(o.path, o.version);
      else tx.remove(o.path, o.version);
      if (o.op !== 'create') queued[queued.length - 1]!.version = o.version;
    }
    return this.call(ops[0]?.path ?? '/', (cb) => tx.commit((err) => cb(err, undefined)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}
