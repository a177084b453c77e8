/**
 * `meta.properties` in the data directory, as Kafka writes it: the cluster id is generated once
 * and kept, and a data directory written by another node id is refused.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProperties } from '../config/broker-config.js';
import { writeFileAtomic } from './atomic-file.js';

export interface MetaProperties {
  clusterId: string;
  nodeId: number;
}

/** A new cluster id: 16 random bytes in URL-safe base64, like `kafka-storage random-uuid`. */
export const newClusterId = (): string => randomBytes(16).toString('base64url');

/**
 * `proposedClusterId`, when given, is the id a new directory gets (a cluster's, from ZooKeeper);
 * an existing directory of another cluster is refused, as Kafka's InconsistentClusterIdException.
 */
export function loadOrCreateMetaProperties(
  dataDir: string,
  nodeId: number,
  proposedClusterId?: string,
): MetaProperties {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'meta.properties');
  if (existsSync(path)) {
    const props = parseProperties(readFileSync(path, 'utf8'));
    const storedNode = Number(props['node.id'] ?? props['broker.id']);
    const clusterId = props['cluster.id'];
    if (!clusterId) throw new Error(`${path} has no cluster.id`);
    if (storedNode !== nodeId)
      throw new Error(`${path} belongs to node ${storedNode}, but this broker is node.id=${nodeId}`);
    if (proposedClusterId !== undefined && clusterId !== proposedClusterId)
      throw new Error(
        `${path} belongs to cluster ${clusterId}, but ZooKeeper holds cluster ${proposedClusterId}: ` +
          'this data directory is from another cluster (use another log.dirs, or the ZooKeeper it came from)',
      );
    return { clusterId, nodeId };
  }
  const meta = { clusterId: proposedClusterId ?? newClusterId(), nodeId };
  writeFileAtomic(
    path,
    `#\n#${new Date().toUTCString()}\nnode.id=${nodeId}\nversion=1\ncluster.id=${meta.clusterId}\n`,
  );
  return meta;
}
