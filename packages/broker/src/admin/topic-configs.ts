/**
 * A topic's effective configs as DescribeConfigs and CreateTopics report them: each Kafka
 * topic config name with its value and where the value comes from.
 */
import type { Broker } from '../broker.js';
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

export interface TopicConfigEntry {
  name: string;
  value: string;
  readOnly: boolean;
  configSource: number;
  isDefault: boolean;
  configType: number;
}

/** Every topic config with its effective value; `overrides` replaces the topic's stored overrides. */
export function describeTopicConfigs(
  broker: Broker,
  topic: string,
  overrides: Record<string, string> = broker.metadata.topic(topic)?.configs ?? {},
): TopicConfigEntry[] {
  const staticDefaults = broker.config.topicDefaults();
  const dynamic = broker.replicas.topicConfig('\u0000no-such-topic');
  return TOPIC_CONFIG_KEYS.map((name) => {
    const fromTopic = overrides[name];
    const dynamicValue = dynamic[name] !== staticDefaults[name] ? dynamic[name] : undefined;
    const value = fromTopic ?? dynamicValue ?? staticDefaults[name] ?? '';
    const configSource =
      fromTopic !== undefined
        ? ConfigSource.DynamicTopicConfig
        : dynamicValue !== undefined
          ? ConfigSource.DynamicDefaultBrokerConfig
          : ConfigSource.DefaultConfig;
    return {
      name,
      value,
      readOnly: false,
      configSource,
      isDefault: configSource === ConfigSource.DefaultConfig,
      configType: TYPES[name] ?? ConfigType.Long,
    };
  });
}
