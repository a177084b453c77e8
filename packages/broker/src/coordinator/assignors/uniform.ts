/**
 * The uniform assignor: every subscribed partition to one member, counts balanced within one.
 * With identical subscriptions each member first keeps what it had, up to its share, and the
 * rest goes to the least loaded; with differing subscriptions partitions with the fewest
 * possible owners are placed first, each on the least loaded member that subscribes.
 */
import type { Assignment } from '../consumer-group.js';
import type { AssignorMember, AssignorTopic } from './index.js';

export function uniformAssign(
  members: AssignorMember[],
  topics: ReadonlyMap<string, AssignorTopic>,
): Map<string, Assignment> {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  const load = new Map<string, number>(members.map((m) => [m.memberId, 0]));
  const give = (memberId: string, topicId: string, p: number) => {
    const a = out.get(memberId)!;
    let set = a.get(topicId);
    if (!set) a.set(topicId, (set = new Set()));
    set.add(p);
    load.set(memberId, load.get(memberId)! + 1);
  };
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const partitions: { topicId: string; p: number; eligible: string[] }[] = [];
  for (const topic of [...topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const eligible = sorted.filter((m) => m.subscribedTopicIds.includes(topic.topicId)).map((m) => m.memberId);
    if (eligible.length === 0) continue;
    for (let p = 0; p < topic.partitions; p++) partitions.push({ topicId: topic.topicId, p, eligible });
  }
  const homogeneous = partitions.every((x) => x.eligible.length === members.length);
  const taken = new Set<string>();
  if (homogeneous && members.length > 0) {
    const base = Math.floor(partitions.length / members.length);
    let extra = partitions.length % members.length;
    const byPrevious = [...sorted].sort((a, b) => count(b.previous) - count(a.previous));
    for (const m of byPrevious) {
      let quota = base;
      if (extra > 0 && count(m.previous) > base) {
        quota++;
        extra--;
      }
      for (const [topicId, ps] of m.previous) {
        if (!topics.has(topicId)) continue;
        for (const p of [...ps].sort((x, y) => x - y)) {
          const key = `${topicId}:${p}`;
          if (load.get(m.memberId)! >= quota || taken.has(key) || p >= topics.get(topicId)!.partitions) continue;
          taken.add(key);
          give(m.memberId, topicId, p);
        }
      }
    }
  }
  const rest = partitions.filter((x) => !taken.has(`${x.topicId}:${x.p}`));
  if (!homogeneous) rest.sort((a, b) => a.eligible.length - b.eligible.length);
  for (const x of rest) {
    let best = x.eligible[0]!;
    for (const id of x.eligible) if (load.get(id)! < load.get(best)!) best = id;
    give(best, x.topicId, x.p);
  }
  return out;
}

const count = (a: Assignment): number => [...a.values()].reduce((n, s) => n + s.size, 0);
