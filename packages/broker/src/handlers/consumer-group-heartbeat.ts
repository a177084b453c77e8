/**
 * ConsumerGroupHeartbeat (68), v0-1: the KIP-848 consumer protocol (group.protocol=consumer):
 * join, heartbeat, reconcile and leave in one request, with server-side assignors (uniform,
 * range). v0 lets the broker pick new member ids; v1 clients bring their own. See
 * coordinator/consumer-heartbeat.ts.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { consumerHeartbeat } from '../coordinator/consumer-heartbeat.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    const coordinator = req.groupId === '' ? ErrorCode.NONE : c.coordinatorError(req.groupId);
    if (coordinator !== ErrorCode.NONE)
      return {
        throttleTimeMs: 0,
        errorCode: coordinator,
        errorMessage: null,
        memberId: null,
        memberEpoch: -1,
        heartbeatIntervalMs: 0,
        assignment: null,
      };
    return {
      throttleTimeMs: 0,
      ...consumerHeartbeat(c, {
        ...req,
        clientId: ctx.header.clientId ?? '',
        clientHost: `/${ctx.clientAddress}`,
        apiVersion: ctx.apiVersion,
      }),
    };
  },
});
