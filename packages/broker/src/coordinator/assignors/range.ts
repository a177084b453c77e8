/** The range assignor: per topic, members subscribed in member id order each take a contiguous run of partitions. */
import type { Assignment } from '../consumer-group.js';
import type { AssignorMember, AssignorTopic } from './index.js';

export function rangeAssign(
  members: AssignorMember[],
  topics: ReadonlyMap<string, AssignorTopic>,
): Map<string, Assignment> {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  for (const topic of topics.values()) {
    const subscribers = members
      .filter((m) => m.subscribedTopicIds.includes(topic.topicId))
      .map((m) => m.memberId)
      .sort();
    if (subscribers.length === 0) continue;
    const per = Math.floor(topic.partitions / subscribers.length);
    const extra = topic.partitions % subscribers.length;
    subscribers.forEach((memberId, i) => {
      const start = i * per + Math.min(i, extra);
      const count = per + (i < extra ? 1 : 0);
      if (count === 0) return;
      const parts = new Set(Array.from({ length: count }, (_, k) => start + k));
      out.get(memberId)!.set(topic.topicId, parts);
    });
  }
  return out;
}
