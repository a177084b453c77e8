/**
 * What the classic group operations need from outside: a clock and timers, the broker's group
 * settings, fresh member ids, and persistence of a GroupMetadata record (append to the group's
 * __consumer_offsets partition, then replay). Tests can pass a fake one.
 */
import type { GroupMetadataValue } from '@gregor/protocol';
import type { ClassicGroup } from './group.js';

export interface Timers {
  now(): number;
  /** (Re)schedules the timer under `key`; a timer already under that key is cancelled. */
  schedule(key: string, delayMs: number, fn: () => void): void;
  cancel(key: string): void;
}

export interface ClassicEnv {
  timers: Timers;
  initialRebalanceDelayMs: number;
  newMemberId(clientId: string): string;
  /** Appends the record and replays it; returns a Kafka error code (NONE when written). */
  persist(group: ClassicGroup, value: GroupMetadataValue): number;
  log(msg: string, fields: Record<string, unknown>): void;
}

export const timerKey = {
  join: (g: string) => `classic/${g}/join`,
  sync: (g: string) => `classic/${g}/sync`,
  session: (g: string, m: string) => `classic/${g}/session/${m}`,
  pending: (g: string, m: string) => `classic/${g}/pending/${m}`,
};
