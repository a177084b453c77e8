/**
 * A topic's effective configs as DescribeConfigs and CreateTopics report them: each Kafka
 * topic config name with its value, where the value comes from, and its synonyms (the topic
 * override, the dynamic broker default, the static broker setting, the built-in default), most
 * important first, as Kafka lists them.
 */
import { DEFAULT_LOG_CONFIG, logConfigToProperties } from '@gregor/storage';
import type { Broker } from '../broker.js';
import { BROKER_CONFIG, type BrokerConfigName } from '../config/broker-config.js';
import { BROKER_TO_TOPIC } from '../partition/replica-manager.js';
import { TOPIC_CONFIG_KEYS } from './topic-admin.js';

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

const TYPES: Record<string, number> = {
  'cleanup.policy': ConfigType.List,
  'compression.type': ConfigType.String,
  'message.timestamp.type': ConfigType.String,
  'max.message.bytes': ConfigType.Int,
  'segment.bytes': ConfigType.Int,
  'segment.index.bytes': ConfigType.Int,
  'index.interval.bytes': ConfigType.Int,
  'min.insync.replicas': ConfigType.Int,
};

/** Topic configs that are lists (the ones IncrementalAlterConfigs may APPEND to or SUBTRACT from). */
export const isListTopicConfig = (name: string): boolean => TYPES[name] === ConfigType.List;

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

const BUILT_IN: Record<string, string> = logConfigToProperties(DEFAULT_LOG_CONFIG);

/**
 * Where a broker setting's value comes from, effective first: the dynamic (cluster-wide) override,
 * the static setting when it differs from the built-in default, and the built-in default.
 */
export function brokerConfigSynonyms(broker: Broker, name: BrokerConfigName): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  const dynamic = broker.metadata.brokerConfigs()[name];
  if (dynamic !== undefined && name in BROKER_TO_TOPIC)
    out.push({ name, value: dynamic, source: ConfigSource.DynamicDefaultBrokerConfig });
  const staticValue = broker.config.values[name].trim();
  const builtIn = BROKER_CONFIG[name].default;
  if (staticValue !== builtIn) out.push({ name, value: staticValue, source: ConfigSource.StaticBrokerConfig });
  out.push({ name, value: builtIn, source: ConfigSource.DefaultConfig });
  return out;
}

function topicConfigDoc(name: string): string {
  const brokerName = TOPIC_TO_BROKER[name];
  if (brokerName) return `${BROKER_CONFIG[brokerName].doc} (topic-level override of ${brokerName})`;
  return `Kafka topic config ${name}`;
}

/** Every topic config with its effective value; `overrides` replaces the topic's stored overrides. */
export function describeTopicConfigs(
  broker: Broker,
  topic: string,
  overrides: Record<string, string> = broker.metadata.topic(topic)?.configs ?? {},
): TopicConfigEntry[] {
  return TOPIC_CONFIG_KEYS.map((name) => {
    const brokerName = TOPIC_TO_BROKER[name];
    const synonyms: ConfigSynonym[] = brokerName
      ? brokerConfigSynonyms(broker, brokerName)
      : [{ name, value: BUILT_IN[name] ?? '', source: ConfigSource.DefaultConfig }];
    const fromTopic = overrides[name];
    if (fromTopic !== undefined) synonyms.unshift({ name, value: fromTopic, source: ConfigSource.DynamicTopicConfig });
    const effective = synonyms[0]!;
    return {
      name,
      value: effective.value,
      readOnly: false,
      configSource: effective.source,
      isDefault: effective.source === ConfigSource.DefaultConfig,
      configType: TYPES[name] ?? ConfigType.Long,
      synonyms,
      documentation: topicConfigDoc(name),
    };
  });
}
