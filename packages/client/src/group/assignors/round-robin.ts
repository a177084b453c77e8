/**
 * Kafka's RoundRobinAssignor (`roundrobin`): every partition of every subscribed topic, sorted
 * by topic and partition, dealt out to the members in member order, skipping members not
 * subscribed to the partition's topic.
 */
import type { PartitionAssignor } from '../types.js';
import { allPartitions, compareMembers, emptyAssignment } from './common.js';

export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  protocols: ['eager'],
  assign(members, counts) {
    const out = emptyAssignment(members);
    const ordered = [...members].sort(compareMembers);
    const subscribed = ordered.map((m) => new Set(m.topics));
    let next = 0;
    for (const tp of allPartitions(members, counts)) {
      // Some member subscribes to tp.topic (allPartitions only lists those), so this ends.
      while (!subscribed[next % ordered.length]!.has(tp.topic)) next++;
      out.get(ordered[next % ordered.length]!.memberId)!.push(tp);
      next++;
    }
    return out;
  },
};
