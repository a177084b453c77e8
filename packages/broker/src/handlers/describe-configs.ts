/**
 * DescribeConfigs (32), v0-4: the configs of TOPIC resources (every topic config with its value
 * and source, see admin/topic-configs.ts) and BROKER resources (this broker's settings when the
 * name is its node id; only the dynamic overrides for "" — the cluster default), all or the keys
 * asked for. Synonyms (v1+) when asked, documentation (v3+) when asked, config types (v3+);
 * isDefault on v0. Nothing is sensitive. BROKER_LOGGER is not supported (INVALID_REQUEST).
 */
import { ApiKey, ErrorCode, type DescribeConfigsResponseDescribeConfigsResultInput } from '@gregor/protocol';
import type { DescribeConfigsRequestDescribeConfigsResource } from '@gregor/protocol';
import { brokerResourceProblem, describeBrokerConfigs, type ConfigEntry } from '../admin/broker-configs.js';
import { ConfigResourceType } from '../admin/config-changes.js';
import { topicNameProblem } from '../admin/topic-admin.js';
import { describeTopicConfigs } from '../admin/topic-configs.js';
import type { Broker } from '../broker.js';
import { defineHandler } from './handler.js';

interface Options {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

type Found = { configs: ConfigEntry[] } | { errorCode: number; errorMessage: string };
const failed = (errorCode: number, errorMessage: string): Found => ({ errorCode, errorMessage });

function configsOf(broker: Broker, resource: DescribeConfigsRequestDescribeConfigsResource): Found {
  const name = resource.resourceName;
  switch (resource.resourceType) {
    case ConfigResourceType.Topic: {
      const problem = topicNameProblem(name);
      if (problem) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
      if (!broker.metadata.topic(name))
        return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
      return { configs: describeTopicConfigs(broker, name) };
    }
    case ConfigResourceType.Broker: {
      const problem = brokerResourceProblem(broker, name);
      if (problem) return failed(ErrorCode.INVALID_REQUEST, problem);
      return { configs: describeBrokerConfigs(broker, name !== '') };
    }
    case ConfigResourceType.BrokerLogger:
      return failed(ErrorCode.INVALID_REQUEST, 'broker loggers are not described by this broker (see log.level)');
    default:
      return failed(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resource.resourceType}`);
  }
}

function describe(
  broker: Broker,
  resource: DescribeConfigsRequestDescribeConfigsResource,
  options: Options,
): DescribeConfigsResponseDescribeConfigsResultInput {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  const found = configsOf(broker, resource);
  if (!('configs' in found)) return { ...base, ...found, configs: [] };
  // Null or empty: every config.
  const keys = resource.configurationKeys;
  const wanted =
    keys === null || keys.length === 0 ? found.configs : found.configs.filter((c) => keys.includes(c.name));
  return {
    ...base,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    configs: wanted.map((c) => ({
      name: c.name,
      value: c.value,
      readOnly: c.readOnly,
      isDefault: c.isDefault,
      configSource: c.configSource,
      isSensitive: false,
      synonyms: options.includeSynonyms ? c.synonyms : [],
      configType: c.configType,
      documentation: options.includeDocumentation ? c.documentation : null,
    })),
  };
}

export default defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const options = { includeSynonyms: req.includeSynonyms, includeDocumentation: req.includeDocumentation };
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => describe(ctx.broker, r, options)),
    };
  },
});
