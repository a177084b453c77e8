/**
 * IncrementalAlterConfigs (44), v0-1: per key SET (0), DELETE (1, back to the inherited value),
 * APPEND (2) and SUBTRACT (3) (list configs only, like cleanup.policy) on TOPIC overrides and on
 * the dynamic BROKER configs ("" or this broker's id; only those that map to topic defaults).
 * The result is validated as a whole (INVALID_CONFIG); validateOnly changes nothing.
 * BROKER_LOGGER (runtime log levels) is not supported: INVALID_REQUEST. See admin/config-changes.ts.
 */
import { ApiKey } from '@gregor/protocol';
import { alterAllResources } from '../admin/config-changes.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const responses = await alterAllResources(
      ctx.broker,
      req.resources,
      (r) => r.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })),
      { replace: false, validateOnly: req.validateOnly },
    );
    return { throttleTimeMs: 0, responses };
  },
});
