// Types for the untyped JavaScript the record tests cross-check against: independent codec
// implementations and kafkajs's internal protocol modules (CommonJS, default-imported).

declare module 'snappyjs' {
  export function compress(data: Uint8Array): Uint8Array;
  export function uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
}

declare module 'lz4js' {
  export function compress(data: Uint8Array, maxSize?: number): Uint8Array;
  export function decompress(data: Uint8Array, maxSize?: number): Uint8Array;
}

declare module 'kafkajs/src/protocol/encoder.js' {
  export default class Encoder {
    constructor();
    buffer: Buffer;
    writeInt32(v: number): this;
    writeBytes(v: Buffer): this;
  }
}

declare module 'kafkajs/src/protocol/decoder.js' {
  export default class Decoder {
    constructor(buffer: Buffer);
    offset: number;
  }
}

declare module 'kafkajs/src/protocol/recordBatch/record/v0/index.js' {
  import type Encoder from 'kafkajs/src/protocol/encoder.js';
  export default function Record(opts: {
    offsetDelta?: number;
    timestampDelta?: number;
    key: Buffer | null;
    value: Buffer | null;
    headers?: { [key: string]: Buffer | Buffer[] };
  }): Encoder;
}

declare module 'kafkajs/src/protocol/recordBatch/v0/index.js' {
  import type Encoder from 'kafkajs/src/protocol/encoder.js';
  const m: {
    RecordBatch(opts: {
      compression?: number;
      firstOffset?: string | number;
      firstTimestamp?: number;
      maxTimestamp?: number;
      partitionLeaderEpoch?: number;
      lastOffsetDelta?: number;
      transactional?: boolean;
      producerId?: string | number;
      producerEpoch?: number;
      firstSequence?: number;
      records: Encoder[];
    }): Promise<Encoder>;
  };
  export default m;
}

declare module 'kafkajs/src/protocol/recordBatch/v0/decoder.js' {
  import type Decoder from 'kafkajs/src/protocol/decoder.js';
  export default function decodeRecordBatch(decoder: Decoder): Promise<KafkajsBatch>;
}

declare module 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js' {
  import type Decoder from 'kafkajs/src/protocol/decoder.js';
  /** Decodes an int32-size-prefixed records field into messages (of any magic). */
  export default function decodeMessages(decoder: Decoder): Promise<KafkajsMessage[]>;
}

declare module 'kafkajs/src/protocol/messageSet/index.js' {
  import type Encoder from 'kafkajs/src/protocol/encoder.js';
  export default function MessageSet(opts: {
    messageVersion: 0 | 1;
    compression?: number;
    entries: { key: Buffer | null; value: Buffer | null; timestamp?: number }[];
  }): Encoder;
}

interface KafkajsMessage {
  magicByte: number;
  attributes: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: { [key: string]: Buffer | null | (Buffer | null)[] };
  isControlRecord?: boolean;
}

interface KafkajsBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  timestampType: number;
  records: KafkajsMessage[];
}
