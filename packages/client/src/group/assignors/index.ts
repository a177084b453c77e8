/** The built-in assignors by name, and the choice of rebalance protocol. */
import { ClientErrorCode, KafkaClientError } from '../../errors.js';
import type { AssignorName, PartitionAssignor, RebalanceProtocol } from '../types.js';
import { cooperativeStickyAssignor } from './cooperative-sticky.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './round-robin.js';

export { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor };

export const BUILT_IN_ASSIGNORS: Record<AssignorName, PartitionAssignor> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};

export function resolveAssignors(list: readonly (AssignorName | PartitionAssignor)[]): PartitionAssignor[] {
  if (list.length === 0) throw new KafkaClientError(ClientErrorCode.InvalidConfig, 'assignors must not be empty');
  return list.map((a) => {
    if (typeof a !== 'string') return a;
    const found = BUILT_IN_ASSIGNORS[a] as PartitionAssignor | undefined;
    if (!found) throw new KafkaClientError(ClientErrorCode.InvalidConfig, `unknown assignor '${String(a)}'`);
    return found;
  });
}

/**
 * Cooperative only when every configured assignor supports it, as Kafka's ConsumerCoordinator
 * decides: a member offering `range` may end up running it, which needs eager revocation.
 */
export const rebalanceProtocolOf = (assignors: readonly PartitionAssignor[]): RebalanceProtocol =>
  assignors.every((a) => a.protocols.includes('cooperative')) ? 'cooperative' : 'eager';
