import type { LogConfig } from './config.js';
import type { LogSegment } from './log-segment.js';

export type DeletionReason = 'retention.ms' | 'retention.bytes' | 'log-start-offset';

export interface SegmentDeletion {
  segment: LogSegment;
  reason: DeletionReason;
}

/**
 * Which of the oldest segments retention removes now, in Kafka's terms:
 *
 * - `retention.ms`: the segment's newest timestamp is older than now − retention.ms;
 * - `retention.bytes`: the log stays at or above retention.bytes without the segment;
 * - log start offset: the whole segment is below logStartOffset (after DeleteRecords).
 *
 * Only a prefix of the log goes (a segment is kept as soon as one is kept, so the log never
 * has holes), never the active segment, and never a segment with offsets at or above the high
 * watermark (consumers could not have read them yet; followers may still need them). The
 * first two criteria only apply with cleanup.policy=delete.
 */
export function selectSegmentsToDelete(
  segments: readonly LogSegment[],
  config: LogConfig,
  state: { now: number; logStartOffset: number; highWatermark: number },
): SegmentDeletion[] {
  const deletions: SegmentDeletion[] = [];
  let size = segments.reduce((sum, s) => sum + s.size, 0);
  for (let i = 0; i + 1 < segments.length; i++) {
    const segment = segments[i] as LogSegment;
    const nextBase = (segments[i + 1] as LogSegment).baseOffset;
    if (nextBase > state.highWatermark) break;
    let reason: DeletionReason | undefined;
    if (nextBase <= state.logStartOffset) reason = 'log-start-offset';
    else if (
      config.cleanupPolicy.delete &&
      config.retentionMs >= 0 &&
      state.now - segment.largestTimestamp() > config.retentionMs
    )
      reason = 'retention.ms';
    else if (config.cleanupPolicy.delete && config.retentionBytes >= 0 && size - segment.size >= config.retentionBytes)
      reason = 'retention.bytes';
    if (reason === undefined) break;
    deletions.push({ segment, reason });
    size -= segment.size;
  }
  return deletions;
}
