/**
 * DescribeCluster (60), v0-1: the brokers, the controller and the cluster id. With
 * includeClusterAuthorizedOperations the cluster operations allowed (all of them: there is no
 * authorizer), else Kafka's "not requested" value. v1's endpointType must be 1 (brokers); asking
 * for controllers (2) or anything else gets UNSUPPORTED_ENDPOINT_TYPE, as from a Kafka broker.
 * (includeFencedBrokers is v2, which the protocol specs here do not have.)
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

const NOT_REQUESTED = -2147483648;
const BROKERS = 1;

/** Kafka's AclOperation codes that apply to the CLUSTER resource. */
const CLUSTER_OPERATIONS = {
  create: 5,
  alter: 7,
  describe: 8,
  clusterAction: 9,
  describeConfigs: 10,
  alterConfigs: 11,
  idempotentWrite: 12,
  createTokens: 13,
  describeTokens: 14,
};
const ALL_CLUSTER_OPERATIONS = Object.values(CLUSTER_OPERATIONS).reduce((bits, op) => bits | (1 << op), 0);

export default defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const { broker } = ctx;
    const base = { throttleTimeMs: 0, endpointType: req.endpointType, clusterId: broker.clusterId };
    if (ctx.apiVersion >= 1 && req.endpointType !== BROKERS)
      return {
        ...base,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `endpoint type ${req.endpointType} is not served by a broker; only brokers (1) are described`,
        controllerId: -1,
        brokers: [],
      };
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      controllerId: broker.metadata.controllerId(),
      brokers: broker.metadata.brokers().map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : NOT_REQUESTED,
    };
  },
});
