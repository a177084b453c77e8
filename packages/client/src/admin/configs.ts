/** Configuration administration: DescribeConfigs and IncrementalAlterConfigs. */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import type { BrokerConnection } from '../network/connection.js';
import { throwFirst } from './topics.js';
import type { ConfigChange, ConfigDescription, ConfigResource, ConfigResourceType, ConfigSource } from './types.js';

/** Kafka's ConfigResource.Type codes. */
const RESOURCE_TYPE: Record<ConfigResourceType, number> = { topic: 2, broker: 4 };
const RESOURCE_NAME = new Map<number, ConfigResourceType>([
  [2, 'topic'],
  [4, 'broker'],
]);
/** Kafka's DescribeConfigs ConfigSource codes, 0 to 6. */
const SOURCES: ConfigSource[] = [
  'unknown',
  'dynamic-topic',
  'dynamic-broker',
  'dynamic-default-broker',
  'static-broker',
  'default',
  'dynamic-broker-logger',
];
const OPERATION = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

/** Broker resources go to that broker (it answers for itself); topic resources to any broker. */
async function connectionFor(cluster: Cluster, type: ConfigResourceType, name: string): Promise<BrokerConnection> {
  if (type === 'broker' && name !== '') {
    if (cluster.metadata.brokers.size === 0) await cluster.refreshMetadata();
    return cluster.connectionTo(Number(name));
  }
  return cluster.anyConnection();
}

function groupByConnection<T extends { type: ConfigResourceType; name: string }>(list: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of list) {
    const key = r.type === 'broker' ? `broker:${r.name}` : 'any';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  return groups;
}

export async function describeConfigs(
  cluster: Cluster,
  resources: readonly ConfigResource[],
  includeSynonyms = false,
): Promise<ConfigDescription[]> {
  const out: ConfigDescription[] = [];
  for (const group of groupByConnection(resources).values()) {
    const conn = await connectionFor(cluster, group[0]!.type, group[0]!.name);
    const res = await conn.send(ApiKey.DescribeConfigs, {
      resources: group.map((r) => ({
        resourceType: RESOURCE_TYPE[r.type],
        resourceName: r.name,
        configurationKeys: r.keys ? [...r.keys] : null,
      })),
      includeSynonyms,
    });
    throwFirst(
      res.results
        .filter((r) => r.errorCode !== ErrorCode.NONE)
        .map((r) => ({ code: r.errorCode, message: r.errorMessage, topic: r.resourceName })),
    );
    for (const r of res.results)
      out.push({
        type: RESOURCE_NAME.get(r.resourceType) ?? 'topic',
        name: r.resourceName,
        configs: r.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.isDefault || c.configSource === 5,
          isSensitive: c.isSensitive,
          source: SOURCES[c.configSource] ?? 'unknown',
          synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: SOURCES[s.source] ?? 'unknown' })),
        })),
      });
  }
  return out;
}

export async function incrementalAlterConfigs(
  cluster: Cluster,
  changes: readonly ConfigChange[],
  validateOnly = false,
): Promise<void> {
  for (const group of groupByConnection(changes).values()) {
    const conn = await connectionFor(cluster, group[0]!.type, group[0]!.name);
    const res = await conn.send(ApiKey.IncrementalAlterConfigs, {
      resources: group.map((c) => ({
        resourceType: RESOURCE_TYPE[c.type],
        resourceName: c.name,
        configs: c.ops.map((o) => ({ name: o.name, configOperation: OPERATION[o.op], value: o.value ?? null })),
      })),
      validateOnly,
    });
    throwFirst(
      res.responses
        .filter((r) => r.errorCode !== ErrorCode.NONE)
        .map((r) => ({ code: r.errorCode, message: r.errorMessage, topic: r.resourceName })),
    );
  }
}
