/**
 * JoinGroup (11), v0-9: joins a classic group (see coordinator/classic-join.ts). v4+ new
 * members get MEMBER_ID_REQUIRED with their id first (KIP-394); v5+ carry group.instance.id
 * (static membership, KIP-345). The answer waits until the rebalance's join phase completes.
 * v0 has no rebalance timeout and takes the session timeout, as Kafka does; so does a v1+ join
 * that gives none (0, as kafkajs's bare joinGroup sends): its deadlines, including the one for
 * SyncGroup, are then the session timeout, as they were on Kafka 2.x, rather than 0, which would
 * drop the member before its SyncGroup can arrive.
 */
import { ApiKey, ErrorCode, type JoinGroupResponseInput } from '@gregor/protocol';
import { joinError, joinGroup } from '../coordinator/classic-join.js';
import type { JoinResult } from '../coordinator/group.js';
import { ConsumerGroup } from '../coordinator/consumer-group.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const { broker, apiVersion } = ctx;
    const c = broker.groups;
    const respond = (r: JoinResult): JoinGroupResponseInput => ({
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: apiVersion >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: false,
      memberId: r.memberId,
      members: r.members,
    });
    if (req.groupId === '') return respond(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    const coordinator = c.coordinatorError(req.groupId);
    if (coordinator !== ErrorCode.NONE) return respond(joinError(coordinator, req.memberId));
    const session = req.sessionTimeoutMs;
    if (
      session < broker.config.int('group.min.session.timeout.ms') ||
      session > broker.config.int('group.max.session.timeout.ms')
    )
      return respond(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    if (c.groups.get(req.groupId) instanceof ConsumerGroup)
      return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    const group = c.classicGroup(req.groupId, req.memberId === '');
    if (!group) return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    const result = await new Promise<JoinResult>((resolve) =>
      joinGroup(
        c.classicEnv,
        group,
        {
          memberId: req.memberId,
          groupInstanceId: apiVersion >= 5 ? req.groupInstanceId : null,
          clientId: ctx.header.clientId ?? '',
          clientHost: `/${ctx.clientAddress}`,
          sessionTimeoutMs: session,
          rebalanceTimeoutMs: apiVersion >= 1 && req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : session,
          protocolType: req.protocolType,
          protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          requireKnownMemberId: apiVersion >= 4,
          maxSize: broker.config.int('group.max.size'),
        },
        resolve,
      ),
    );
    if (result.errorCode !== ErrorCode.NONE) c.forgetIfUnused(group);
    return respond(result);
  },
});
