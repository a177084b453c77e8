/**
 * AlterConfigs (33), v0-2: replaces a resource's whole set of config overrides (keys left out
 * are removed). TOPIC: the topic's overrides, validated like CreateTopics' (INVALID_CONFIG).
 * BROKER ("" or this broker's id): the dynamic broker configs; only those that map to topic
 * defaults can change at runtime, others fail with INVALID_CONFIG. validateOnly changes nothing.
 * See admin/config-changes.ts.
 */
import { ApiKey } from '@gregor/protocol';
import { AlterConfigOp, alterAllResources } from '../admin/config-changes.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const responses = await alterAllResources(
      ctx.broker,
      req.resources,
      (r) => r.configs.map((c) => ({ name: c.name, op: AlterConfigOp.Set, value: c.value })),
      { replace: true, validateOnly: req.validateOnly },
    );
    return { throttleTimeMs: 0, responses };
  },
});
