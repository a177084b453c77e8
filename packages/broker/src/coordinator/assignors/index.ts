/**
 * Server-side assignors of consumer-protocol groups (KIP-848): given the members' subscriptions,
 * the subscribed topics' partitions and the previous target assignment, the next target.
 * `uniform` spreads all partitions evenly and keeps previous owners where it can; `range` gives
 * each member a contiguous range of every topic it subscribes to.
 */
import type { Assignment } from '../consumer-group.js';
import { rangeAssign } from './range.js';
import { uniformAssign } from './uniform.js';

export interface AssignorMember {
  memberId: string;
  subscribedTopicIds: string[];
  /** The member's previous target (stickiness). */
  previous: Assignment;
}

export interface AssignorTopic {
  topicId: string;
  name: string;
  partitions: number;
}

export type Assignor = (
  members: AssignorMember[],
  topics: ReadonlyMap<string, AssignorTopic>,
) => Map<string, Assignment>;

export const ASSIGNORS: Record<string, Assignor> = { uniform: uniformAssign, range: rangeAssign };
