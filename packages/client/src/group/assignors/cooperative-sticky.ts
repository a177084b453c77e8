/**
 * Kafka's CooperativeStickyAssignor (`cooperative-sticky`, KIP-429): a balanced assignment that
 * moves as few partitions as possible, then withholds every partition that would change owner.
 * The current owner sees it revoked (and only it), rejoins, and the second rebalance hands it to
 * its new owner, because by then nobody claims it.
 *
 * The sticky part follows AbstractStickyAssignor's rules, written our way:
 * 1. A member keeps the partitions it reports owning (`ownedPartitions`) that still exist and
 *    that it still subscribes to. A partition claimed by several members goes to the claim of the
 *    highest generation; equal claims leave it unowned.
 * 2. When every member subscribes to the same topics, each keeps at most its quota: `ceil(P/C)`
 *    for the first `P % C` members to reach it, `floor(P/C)` for the rest (fullest owners first).
 * 3. Unowned partitions go one by one to the eligible member with the fewest partitions.
 * 4. Then, for differing subscriptions, partitions move from a member to an eligible one with at
 *    least two fewer until no such move exists.
 */
import { tpKey, type TopicPartition } from '../../types.js';
import type { MemberSubscription, PartitionAssignor } from '../types.js';
import { allPartitions, cmp, compareTp } from './common.js';

export const cooperativeStickyAssignor: PartitionAssignor = {
  name: 'cooperative-sticky',
  protocols: ['cooperative', 'eager'],
  assign(members, counts) {
    const sticky = stickyAssignment(members, counts);
    const previousOwner = validClaims(members, counts);
    // Withhold partitions changing hands: their owner revokes them first (KIP-429).
    for (const [memberId, list] of sticky)
      sticky.set(
        memberId,
        list.filter((tp) => (previousOwner.get(tpKey(tp.topic, tp.partition)) ?? memberId) === memberId),
      );
    return sticky;
  },
};

/** Who owns each partition per rule 1 (partition key → member id). */
function validClaims(members: readonly MemberSubscription[], counts: ReadonlyMap<string, number>): Map<string, string> {
  const best = new Map<string, { memberId: string; generation: number; tied: boolean }>();
  for (const m of members) {
    const topics = new Set(m.topics);
    for (const tp of m.ownedPartitions) {
      if (!topics.has(tp.topic) || tp.partition >= (counts.get(tp.topic) ?? 0)) continue;
      const key = tpKey(tp.topic, tp.partition);
      const claim = best.get(key);
      if (!claim || m.generation > claim.generation)
        best.set(key, { memberId: m.memberId, generation: m.generation, tied: false });
      else if (m.generation === claim.generation) claim.tied = true;
    }
  }
  const owners = new Map<string, string>();
  for (const [key, claim] of best) if (!claim.tied) owners.set(key, claim.memberId);
  return owners;
}

function stickyAssignment(
  members: readonly MemberSubscription[],
  counts: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  const ordered = [...members].sort((a, b) => cmp(a.memberId, b.memberId));
  const subscribed = new Map(ordered.map((m) => [m.memberId, new Set(m.topics)]));
  const owners = validClaims(members, counts);
  const out = new Map<string, TopicPartition[]>(ordered.map((m) => [m.memberId, []]));
  const all = allPartitions(members, counts);
  for (const tp of all) {
    const owner = owners.get(tpKey(tp.topic, tp.partition));
    if (owner !== undefined) out.get(owner)!.push(tp);
  }

  const first = ordered[0];
  const uniform =
    first !== undefined &&
    ordered.every(
      (m) => m.topics.length === first.topics.length && m.topics.every((t) => subscribed.get(first.memberId)!.has(t)),
    );
  if (uniform && ordered.length > 0) {
    // Rule 2: cap what each member keeps at its quota; the excess becomes unowned.
    const minQuota = Math.floor(all.length / ordered.length);
    let atMax = all.length % ordered.length;
    const fullestFirst = [...ordered].sort((a, b) => out.get(b.memberId)!.length - out.get(a.memberId)!.length);
    for (const m of fullestFirst) {
      const list = out.get(m.memberId)!.sort(compareTp);
      let quota = minQuota;
      if (atMax > 0 && list.length > minQuota) {
        quota = minQuota + 1;
        atMax--;
      }
      list.length = Math.min(list.length, quota);
    }
  }

  // Rule 3: every unowned partition to the eligible member with the fewest.
  const taken = new Set([...out.values()].flat().map((tp) => tpKey(tp.topic, tp.partition)));
  for (const tp of all) {
    if (taken.has(tpKey(tp.topic, tp.partition))) continue;
    let target: string | undefined;
    for (const m of ordered)
      if (
        subscribed.get(m.memberId)!.has(tp.topic) &&
        (target === undefined || out.get(m.memberId)!.length < out.get(target)!.length)
      )
        target = m.memberId;
    if (target !== undefined) out.get(target)!.push(tp);
  }

  // Rule 4: even out members with differing subscriptions (bounded: each move lowers the spread).
  for (let moves = 0; moves < all.length * ordered.length; moves++) {
    const move = findMove(ordered, out, subscribed);
    if (!move) break;
    const from = out.get(move.from)!;
    from.splice(from.indexOf(move.tp), 1);
    out.get(move.to)!.push(move.tp);
  }
  for (const list of out.values()) list.sort(compareTp);
  return out;
}

function findMove(
  ordered: readonly MemberSubscription[],
  out: Map<string, TopicPartition[]>,
  subscribed: Map<string, Set<string>>,
): { from: string; to: string; tp: TopicPartition } | null {
  const bySize = [...ordered].sort((a, b) => out.get(b.memberId)!.length - out.get(a.memberId)!.length);
  for (const from of bySize)
    for (const to of [...bySize].reverse()) {
      if (out.get(from.memberId)!.length <= out.get(to.memberId)!.length + 1) break;
      const tp = [...out.get(from.memberId)!].reverse().find((p) => subscribed.get(to.memberId)!.has(p.topic));
      if (tp) return { from: from.memberId, to: to.memberId, tp };
    }
  return null;
}
