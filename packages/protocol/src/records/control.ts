import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { encodeRecordBatch } from './batch-encoder.js';
import type { KafkaRecord } from './types.js';

/**
 * Control records live alone in batches with the control attribute. Their key says what they are
 * (int16 version = 0, int16 type); transaction markers (types 0 and 1) carry as value an
 * int16 version = 0 and the int32 epoch of the transaction coordinator that wrote them.
 * Other types (KRaft's leader-change and snapshot records) are not decoded here.
 */
export const ControlRecordType = { Abort: 0, Commit: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export interface ControlRecordKey {
  version: number;
  type: number;
}

export interface EndTxnMarker {
  type: ControlRecordType;
  coordinatorEpoch: number;
}

const corrupt = (why: string): ProtocolError => new ProtocolError(ProtocolErrorCode.CorruptMessage, why);

export function encodeControlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export function decodeControlRecordKey(record: Pick<KafkaRecord, 'key'>): ControlRecordKey {
  const { key } = record;
  if (key === null || key.length < 4) throw corrupt(`control record key of ${key?.length ?? 'null'} bytes`);
  const version = key.readInt16BE(0);
  // Newer versions may append fields, but they keep the type where it is; negative is invalid.
  if (version < 0) throw corrupt(`control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

/** The marker a commit or abort control record carries. */
export function decodeEndTxnMarker(record: Pick<KafkaRecord, 'key' | 'value'>): EndTxnMarker {
  const { type } = decodeControlRecordKey(record);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit)
    throw corrupt(`control record type ${type} is not a transaction marker`);
  const { value } = record;
  if (value === null || value.length < 6) throw corrupt(`transaction marker value of ${value?.length ?? 'null'} bytes`);
  const version = value.readInt16BE(0);
  if (version < 0) throw corrupt(`transaction marker version ${version}`);
  return { type, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarkerBatchOptions {
  type: ControlRecordType;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: number | undefined;
  partitionLeaderEpoch?: number | undefined;
  timestamp?: number | undefined;
}

/** A transactional control batch holding one commit or abort marker, as a leader appends it. */
export function encodeEndTxnMarkerBatch(opts: EndTxnMarkerBatchOptions): Buffer {
  return encodeRecordBatch({
    records: [{ key: encodeControlRecordKey(opts.type), value: encodeEndTxnMarkerValue(opts.coordinatorEpoch) }],
    baseOffset: opts.baseOffset,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
    timestamp: opts.timestamp,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    transactional: true,
    control: true,
  });
}
