/**
 * A topic's effective configs as DescribeConfigs and CreateTopics report them: every Kafka topic
 * config (topic-config-defs.ts) with its value, where the value comes from, and its synonyms.
 *
 * Synonyms follow Kafka's ConfigHelper exactly: the topic override if any, then the config's
 * broker synonyms that have a value, by source (dynamic broker, dynamic default, static broker
 * setting, Kafka's built-in default) and within a source in synonym order; the broker part
 * starts at the synonym Kafka reads first. So `retention.ms` on a topic without override and a
 * broker without `log.retention.ms` has no synonyms at all (Kafka's `log.retention.hours=168`
 * default is dropped with the list), and a static `log.retention.ms` lists
 * `log.retention.ms` (static), then any static `log.retention.hours`, then `log.retention.hours=168`.
 */
import type { Broker } from '../broker.js';
import { BROKER_CONFIG, type BrokerConfigName } from '../config/broker-config.js';
import { BROKER_TO_TOPIC } from '../partition/replica-manager.js';
import {
  KAFKA_BROKER_DEFAULTS,
  normalizeTopicConfigValue,
  TOPIC_CONFIG_KEYS,
  TOPIC_CONFIGS,
  type TopicConfigType,
} from './topic-config-defs.js';

export { isListTopicConfig } from './topic-config-defs.js';

/** Kafka's DescribeConfigs config sources. */
export const ConfigSource = {
  Unknown: 0,
  DynamicTopicConfig: 1,
  DynamicBrokerConfig: 2,
  DynamicDefaultBrokerConfig: 3,
  StaticBrokerConfig: 4,
  DefaultConfig: 5,
} as const;

/** Kafka's DescribeConfigs config types. */
export const ConfigType = { Boolean: 1, String: 2, Int: 3, Short: 4, Long: 5, Double: 6, List: 7 } as const;

const CONFIG_TYPE: Record<TopicConfigType, number> = {
  boolean: ConfigType.Boolean,
  string: ConfigType.String,
  int: ConfigType.Int,
  long: ConfigType.Long,
  double: ConfigType.Double,
  list: ConfigType.List,
};

export interface ConfigSynonym {
  name: string;
  value: string;
  source: number;
}

export interface TopicConfigEntry {
  name: string;
  value: string;
  readOnly: boolean;
  configSource: number;
  isDefault: boolean;
  configType: number;
  /** Every place a value for this config is set, the effective one first. */
  synonyms: ConfigSynonym[];
  documentation: string;
}

/** The broker config each topic config takes its default from (`retention.ms` → `log.retention.ms`). */
export const TOPIC_TO_BROKER: Readonly<Record<string, BrokerConfigName>> = Object.fromEntries(
  Object.entries(BROKER_CONFIG).flatMap(([name, def]) =>
    'topicConfig' in def ? [[def.topicConfig, name as BrokerConfigName]] : [],
  ),
);

/**
 * Where the broker settings `names` get values, Kafka's way: by source (dynamic, static,
 * built-in default), in `names` order within a source, from the first entry for `names[0]` on.
 * `builtIn` gives a setting's built-in default (absent = none).
 */
export function kafkaSynonyms(
  broker: Broker,
  names: readonly string[],
  builtIn: (name: string) => string | undefined,
): ConfigSynonym[] {
  const dynamic = broker.metadata.brokerConfigs();
  const found: ConfigSynonym[] = [];
  for (const name of names) {
    const value = dynamic[name];
    if (value !== undefined && name in BROKER_TO_TOPIC)
      found.push({ name, value, source: ConfigSource.DynamicDefaultBrokerConfig });
  }
  for (const name of names) {
    const value = broker.config.originals[name];
    if (value !== undefined) found.push({ name, value, source: ConfigSource.StaticBrokerConfig });
  }
  for (const name of names) {
    const value = builtIn(name);
    if (value !== undefined) found.push({ name, value, source: ConfigSource.DefaultConfig });
  }
  const first = found.findIndex((s) => s.name === names[0]);
  return first < 0 ? [] : found.slice(first);
}

/** A broker setting's synonyms as DescribeConfigs on the BROKER resource reports them. */
export function brokerConfigSynonyms(broker: Broker, name: BrokerConfigName): ConfigSynonym[] {
  return kafkaSynonyms(broker, [name], (n) => (n === name ? BROKER_CONFIG[name].default : undefined));
}

/** Every topic config with its effective value; `overrides` replaces the topic's stored overrides. */
export function describeTopicConfigs(
  broker: Broker,
  topic: string,
  overrides: Record<string, string> = broker.metadata.topic(topic)?.configs ?? {},
): TopicConfigEntry[] {
  const effective = { ...broker.replicas.topicDefaults(), ...overrides };
  return TOPIC_CONFIG_KEYS.map((name) => {
    const def = TOPIC_CONFIGS[name]!;
    const print = (raw: string): string => {
      const parsed = normalizeTopicConfigValue(def, raw);
      return 'value' in parsed ? parsed.value : raw;
    };
    const synonyms = kafkaSynonyms(broker, def.brokerSynonyms, (n) => KAFKA_BROKER_DEFAULTS[n]);
    const fromTopic = overrides[name];
    if (fromTopic !== undefined)
      synonyms.unshift({ name, value: print(fromTopic), source: ConfigSource.DynamicTopicConfig });
    const source = synonyms[0]?.source ?? ConfigSource.DefaultConfig;
    return {
      name,
      value: print(fromTopic ?? effective[name] ?? def.default),
      readOnly: false,
      configSource: source,
      isDefault: source === ConfigSource.DefaultConfig,
      configType: CONFIG_TYPE[def.type],
      synonyms,
      documentation: def.doc,
    };
  });
}
