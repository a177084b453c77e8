/** ApiVersions (18), v0-4: the APIs and versions this broker serves, derived from the handler registry. */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle: (ctx) => ({
    errorCode: ErrorCode.NONE,
    apiKeys: ctx.broker.apiVersions(),
    throttleTimeMs: 0,
  }),
});
