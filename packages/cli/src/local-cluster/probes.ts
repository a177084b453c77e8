/**
 * What `gregor local-cluster` checks over the network: whether a port is free before anything
 * starts (so a clash is named up front, not buried in a child's log), whether an existing
 * ZooKeeper answers, and what a broker's Metadata says about the cluster.
 */
import { connect, createServer } from 'node:net';
import { BrokerConnection } from '@gregor/client';
import { ApiKey } from '@gregor/protocol';

/** Why `host:port` cannot be listened on (EADDRINUSE, EACCES, …), or undefined when it is free. */
export function portProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Whether a TCP connection to `host:port` opens within `timeoutMs`. */
export function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ClusterView {
  brokerIds: number[];
  controllerId: number;
  clusterId: string | null;
}

/** The brokers (sorted ids), controller and cluster id that the broker on `port` reports. */
export async function clusterView(host: string, port: number): Promise<ClusterView> {
  const conn = new BrokerConnection({
    host,
    port,
    clientId: 'gregor-local-cluster',
    connectTimeoutMs: 2000,
    requestTimeoutMs: 5000,
    maxInFlightRequests: 1,
  });
  try {
    const res = await conn.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false });
    return {
      brokerIds: res.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
      controllerId: res.controllerId,
      clusterId: res.clusterId ?? null,
    };
  } finally {
    conn.close();
  }
}
