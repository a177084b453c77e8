/** Types shared by the producer, consumer and admin. */

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A map key for a topic-partition. */
export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Where to start reading: an offset, or the log's start or end. */
export type OffsetSpec = number | 'earliest' | 'latest';

export type IsolationLevel = 'read_uncommitted' | 'read_committed';
export const isolationLevelCode = (l: IsolationLevel): number => (l === 'read_committed' ? 1 : 0);
