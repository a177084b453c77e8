/**
 * Incremental fetch sessions (KIP-227). A consumer or follower fetching many partitions opens a
 * session; later requests list only partitions whose fetch position changed, and responses list
 * only partitions with something new (records, a moved high watermark or log start, an error).
 */
import { randomInt } from 'node:crypto';
import { ErrorCode } from '@gregor/protocol';

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** What the last response told the client, to decide whether the partition has news. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
}

export interface FetchSession {
  id: number;
  /** The epoch the next request must carry. */
  epoch: number;
  partitions: Map<string, SessionPartition>;
  lastUsed: number;
}

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
const MAX_SESSIONS = 1000;

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export type SessionResolution =
  | { kind: 'sessionless' }
  | { kind: 'full'; session: FetchSession }
  | { kind: 'incremental'; session: FetchSession }
  | { kind: 'error'; errorCode: number };

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Decides how a request relates to sessions: a sessionless full fetch, a new session (full),
   * or an incremental fetch on an existing one, whose epoch is then advanced.
   */
  resolve(sessionId: number, epoch: number, now = Date.now()): SessionResolution {
    if (epoch === FINAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      return { kind: 'sessionless' };
    }
    if (epoch === INITIAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      if (this.sessions.size >= MAX_SESSIONS) this.evictOldest();
      let id = randomInt(1, 0x7fffffff);
      while (this.sessions.has(id)) id = randomInt(1, 0x7fffffff);
      const session: FetchSession = { id, epoch: 1, partitions: new Map(), lastUsed: now };
      this.sessions.set(id, session);
      return { kind: 'full', session };
    }
    const session = this.sessions.get(sessionId);
    if (!session) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== epoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    session.epoch = epoch === 0x7fffffff ? 1 : epoch + 1;
    session.lastUsed = now;
    return { kind: 'incremental', session };
  }

  remove(sessionId: number): void {
    this.sessions.delete(sessionId);
  }

  private evictOldest(): void {
    let oldest: FetchSession | undefined;
    for (const s of this.sessions.values()) if (!oldest || s.lastUsed < oldest.lastUsed) oldest = s;
    if (oldest) this.sessions.delete(oldest.id);
  }
}
