/**
 * The records of __consumer_offsets, in Kafka's format so Kafka's own tools read them: a key is
 * an int16 version then the key struct, a value an int16 version then the value struct, and a
 * null value is a tombstone. Key versions (Kafka's internal specs):
 *   0, 1  OffsetCommitKey (group, topic, partition)  → OffsetCommitValue (v3 written)
 *   2     GroupMetadataKey (group)                    → GroupMetadataValue (v3 written)
 *   3     ConsumerGroupMetadataKey                    → ConsumerGroupMetadataValue (group epoch)
 *   4     ConsumerGroupPartitionMetadataKey           (read and ignored: subscription metadata)
 *   5     ConsumerGroupMemberMetadataKey              → ConsumerGroupMemberMetadataValue
 *   6     ConsumerGroupTargetAssignmentMetadataKey    → …Value (assignment epoch)
 *   7     ConsumerGroupTargetAssignmentMemberKey      → …Value (a member's target partitions)
 *   8     ConsumerGroupCurrentMemberAssignmentKey     → …Value (a member's epoch and partitions)
 * Other key versions (share groups, …) are skipped on load.
 */
import {
  Reader,
  Writer,
  readConsumerGroupCurrentMemberAssignmentValue,
  readConsumerGroupMemberMetadataValue,
  readConsumerGroupMetadataValue,
  readConsumerGroupTargetAssignmentMemberValue,
  readConsumerGroupTargetAssignmentMetadataValue,
  readGroupMetadataValue,
  readOffsetCommitValue,
  writeConsumerGroupCurrentMemberAssignmentValue,
  writeConsumerGroupMemberMetadataValue,
  writeConsumerGroupMetadataValue,
  writeConsumerGroupTargetAssignmentMemberValue,
  writeConsumerGroupTargetAssignmentMetadataValue,
  writeGroupMetadataValue,
  writeOffsetCommitValue,
  type ConsumerGroupCurrentMemberAssignmentValue,
  type ConsumerGroupMemberMetadataValue,
  type ConsumerGroupMetadataValue,
  type ConsumerGroupTargetAssignmentMemberValue,
  type ConsumerGroupTargetAssignmentMetadataValue,
  type GroupMetadataValue,
  type OffsetCommitValue,
} from '@gregor/protocol';

export type CoordinatorRecord =
  | { type: 'offset'; group: string; topic: string; partition: number; value: OffsetCommitValue | null }
  | { type: 'group'; group: string; value: GroupMetadataValue | null }
  | { type: 'cg-epoch'; group: string; value: ConsumerGroupMetadataValue | null }
  | { type: 'cg-member'; group: string; memberId: string; value: ConsumerGroupMemberMetadataValue | null }
  | { type: 'cg-target-epoch'; group: string; value: ConsumerGroupTargetAssignmentMetadataValue | null }
  | { type: 'cg-target'; group: string; memberId: string; value: ConsumerGroupTargetAssignmentMemberValue | null }
  | { type: 'cg-current'; group: string; memberId: string; value: ConsumerGroupCurrentMemberAssignmentValue | null };

const OFFSET_VALUE_VERSION = 3;
const GROUP_VALUE_VERSION = 3;

const KEY_VERSION: Record<CoordinatorRecord['type'], number> = {
  offset: 1,
  group: 2,
  'cg-epoch': 3,
  'cg-member': 5,
  'cg-target-epoch': 6,
  'cg-target': 7,
  'cg-current': 8,
};

/** Encodes a record as the key and value bytes of a __consumer_offsets record. */
export function encodeRecord(record: CoordinatorRecord): { key: Buffer; value: Buffer | null } {
  const k = new Writer(64).writeInt16(KEY_VERSION[record.type]);
  k.writeString(record.group);
  if (record.type === 'offset') k.writeString(record.topic).writeInt32(record.partition);
  if (record.type === 'cg-member' || record.type === 'cg-target' || record.type === 'cg-current')
    k.writeString(record.memberId);
  const key = k.toBuffer();
  if (record.value === null) return { key, value: null };
  const w = new Writer(128);
  switch (record.type) {
    case 'offset':
      writeOffsetCommitValue(w.writeInt16(OFFSET_VALUE_VERSION), OFFSET_VALUE_VERSION, record.value);
      break;
    case 'group':
      writeGroupMetadataValue(w.writeInt16(GROUP_VALUE_VERSION), GROUP_VALUE_VERSION, record.value);
      break;
    case 'cg-epoch':
      writeConsumerGroupMetadataValue(w.writeInt16(0), 0, record.value);
      break;
    case 'cg-member':
      writeConsumerGroupMemberMetadataValue(w.writeInt16(0), 0, record.value);
      break;
    case 'cg-target-epoch':
      writeConsumerGroupTargetAssignmentMetadataValue(w.writeInt16(0), 0, record.value);
      break;
    case 'cg-target':
      writeConsumerGroupTargetAssignmentMemberValue(w.writeInt16(0), 0, record.value);
      break;
    case 'cg-current':
      writeConsumerGroupCurrentMemberAssignmentValue(w.writeInt16(0), 0, record.value);
      break;
  }
  return { key, value: w.toBuffer() };
}

/** Decodes a __consumer_offsets record; undefined for record kinds this coordinator does not keep. */
export function decodeRecord(key: Buffer, value: Buffer | null): CoordinatorRecord | undefined {
  const r = new Reader(key);
  const keyVersion = r.readInt16();
  const group = r.readString();
  const v = value === null ? null : new Reader(value);
  const valueVersion = v ? v.readInt16() : 0;
  switch (keyVersion) {
    case 0:
    case 1: {
      const topic = r.readString();
      const partition = r.readInt32();
      return { type: 'offset', group, topic, partition, value: v && readOffsetCommitValue(v, valueVersion) };
    }
    case 2:
      return { type: 'group', group, value: v && readGroupMetadataValue(v, valueVersion) };
    case 3:
      return { type: 'cg-epoch', group, value: v && readConsumerGroupMetadataValue(v, valueVersion) };
    case 5:
      return {
        type: 'cg-member',
        group,
        memberId: r.readString(),
        value: v && readConsumerGroupMemberMetadataValue(v, valueVersion),
      };
    case 6:
      return {
        type: 'cg-target-epoch',
        group,
        value: v && readConsumerGroupTargetAssignmentMetadataValue(v, valueVersion),
      };
    case 7:
      return {
        type: 'cg-target',
        group,
        memberId: r.readString(),
        value: v && readConsumerGroupTargetAssignmentMemberValue(v, valueVersion),
      };
    case 8:
      return {
        type: 'cg-current',
        group,
        memberId: r.readString(),
        value: v && readConsumerGroupCurrentMemberAssignmentValue(v, valueVersion),
      };
    default:
      return undefined;
  }
}

/** Kafka's partition of __consumer_offsets for a group: abs(String.hashCode) mod the partition count. */
export function partitionForGroup(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % partitions;
}
