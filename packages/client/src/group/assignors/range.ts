/**
 * Kafka's RangeAssignor (`range`): per topic, the partitions are split into contiguous ranges
 * over the members subscribed to it, in member order; the first `partitions % members` members
 * get one extra. Members subscribed to the same topics thus get the same partition numbers of
 * each topic (co-partitioned joins rely on that).
 */
import type { TopicPartition } from '../../types.js';
import type { MemberSubscription, PartitionAssignor } from '../types.js';
import { compareMembers, emptyAssignment } from './common.js';

export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  protocols: ['eager'],
  assign(members, counts) {
    const out = emptyAssignment(members);
    const byTopic = new Map<string, MemberSubscription[]>();
    for (const m of members)
      for (const t of new Set(m.topics)) {
        let list = byTopic.get(t);
        if (!list) byTopic.set(t, (list = []));
        list.push(m);
      }
    for (const [topic, subscribers] of byTopic) {
      const count = counts.get(topic);
      if (count === undefined) continue;
      subscribers.sort(compareMembers);
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        const list: TopicPartition[] = out.get(m.memberId)!;
        for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
      });
    }
    return out;
  },
};
