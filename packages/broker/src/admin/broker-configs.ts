/**
 * The broker's configs as DescribeConfigs reports them for a BROKER resource: every setting of
 * BROKER_CONFIG with its effective value (a dynamic override from metadata, else the static
 * setting), its source and synonyms, type, documentation, and whether it can change at runtime.
 *
 * This broker keeps one set of dynamic broker configs: with a single broker, the cluster-wide
 * default (resource name "") and this broker's own (resource name "<node id>") are the same set,
 * reported as DYNAMIC_DEFAULT_BROKER_CONFIG.
 */
import type { Broker } from '../broker.js';
import { BROKER_CONFIG, type BrokerConfigName } from '../config/broker-config.js';
import { BROKER_TO_TOPIC } from '../partition/replica-manager.js';
import { brokerConfigSynonyms, ConfigSource, ConfigType, type TopicConfigEntry } from './topic-configs.js';

export type ConfigEntry = TopicConfigEntry;

const TYPE_OF_KIND: Record<string, number> = {
  int: ConfigType.Int,
  long: ConfigType.Long,
  string: ConfigType.String,
  boolean: ConfigType.Boolean,
  list: ConfigType.List,
  double: ConfigType.Double,
};

export const isBrokerConfig = (name: string): name is BrokerConfigName => Object.hasOwn(BROKER_CONFIG, name);

/** Broker configs AlterConfigs and IncrementalAlterConfigs may change. */
export const isDynamicBrokerConfig = (name: string): boolean => Object.hasOwn(BROKER_TO_TOPIC, name);

/** Broker configs that are lists (APPEND/SUBTRACT apply). */
export const isListBrokerConfig = (name: string): boolean =>
  isBrokerConfig(name) && BROKER_CONFIG[name].kind === 'list';

function entry(broker: Broker, name: BrokerConfigName, perBroker: boolean): ConfigEntry {
  const all = brokerConfigSynonyms(broker, name);
  // The cluster-default resource shows only dynamic defaults, as Kafka does.
  const synonyms = perBroker ? all : all.filter((s) => s.source === ConfigSource.DynamicDefaultBrokerConfig);
  const effective = synonyms[0] ?? { value: '', source: ConfigSource.DefaultConfig };
  return {
    name,
    value: effective.value,
    readOnly: !isDynamicBrokerConfig(name),
    configSource: effective.source,
    isDefault: effective.source === ConfigSource.DefaultConfig,
    configType: TYPE_OF_KIND[BROKER_CONFIG[name].kind] ?? ConfigType.String,
    synonyms,
    documentation: BROKER_CONFIG[name].doc,
  };
}

/**
 * This broker's configs (`perBroker`, resource name = node id): every setting. The cluster
 * default (resource name ""): only the dynamic overrides that are set.
 */
export function describeBrokerConfigs(broker: Broker, perBroker: boolean): ConfigEntry[] {
  const names = perBroker
    ? (Object.keys(BROKER_CONFIG) as BrokerConfigName[])
    : Object.keys(broker.metadata.brokerConfigs()).filter(isBrokerConfig);
  return names.map((name) => entry(broker, name, perBroker));
}

/** Checks a BROKER resource name: "" (cluster default) or this broker's id. Returns a problem or undefined. */
export function brokerResourceProblem(broker: Broker, resourceName: string): string | undefined {
  if (resourceName === '') return undefined;
  if (!/^-?\d+$/.test(resourceName)) return `Broker id must be an integer, but it is: ${resourceName}`;
  if (Number(resourceName) !== broker.config.nodeId)
    return `Unexpected broker id, expected ${broker.config.nodeId} or empty string, but received ${resourceName}`;
  return undefined;
}
