/**
 * AlterConfigs (33), v0-2: replaces a resource's whole set of config overrides (keys left out
 * are removed). TOPIC: the topic's overrides, validated like CreateTopics' (INVALID_CONFIG).
 * BROKER ("" or this broker's id): the dynamic broker configs; only those that map to topic
 * defaults can change at runtime, others fail with INVALID_CONFIG. validateOnly changes nothing.
 * See admin/config-changes.ts.
 */
import { ApiKey } from '@gregor/protocol';
import {
  AlterConfigOp,
  alterResourceConfigs,
  DUPLICATE_RESOURCE,
  duplicateResources,
} from '../admin/config-changes.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const duplicates = duplicateResources(req.resources);
    const responses = [];
    for (const [i, r] of req.resources.entries()) {
      const result = duplicates.has(i)
        ? DUPLICATE_RESOURCE
        : await alterResourceConfigs(ctx.broker, {
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            changes: r.configs.map((c) => ({ name: c.name, op: AlterConfigOp.Set, value: c.value })),
            replace: true,
            validateOnly: req.validateOnly,
          });
      responses.push({
        errorCode: result.errorCode,
        errorMessage: result.errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
      });
    }
    return { throttleTimeMs: 0, responses };
  },
});
