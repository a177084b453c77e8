/**
 * Small helpers the generated codec calls: arrays, nullable structs, tagged fields and the
 * errors for values a version cannot carry. Kept here so the generated files stay short.
 */
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** A tagged field the codec does not know, kept as raw bytes so it survives a round trip. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
/** The all-zero Uuid Kafka uses for "no id". */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function unsupportedField(field: string, version: number): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.UnsupportedField,
    `${field} has a non-default value, which version ${version} cannot carry`,
  );
}

export function notNull<T>(value: T | null, field: string): T {
  if (value === null)
    throw new ProtocolError(ProtocolErrorCode.InvalidValue, `${field} cannot be null in this version`);
  return value;
}

export function writeArray<T>(
  w: Writer,
  flexible: boolean,
  nullable: boolean,
  items: readonly T[] | null,
  field: string,
  writeItem: (item: T) => unknown,
): void {
  if (items === null) {
    if (!nullable) throw new ProtocolError(ProtocolErrorCode.InvalidValue, `${field} cannot be null in this version`);
    if (flexible) w.writeUVarint(0);
    else w.writeInt32(-1);
    return;
  }
  if (flexible) w.writeUVarint(items.length + 1);
  else w.writeInt32(items.length);
  for (let i = 0; i < items.length; i++) writeItem(items[i]!);
}

export function readArray<T>(
  r: Reader,
  flexible: boolean,
  nullable: true,
  field: string,
  readItem: () => T,
): T[] | null;
export function readArray<T>(r: Reader, flexible: boolean, nullable: false, field: string, readItem: () => T): T[];
export function readArray<T>(
  r: Reader,
  flexible: boolean,
  nullable: boolean,
  field: string,
  readItem: () => T,
): T[] | null;
export function readArray<T>(
  r: Reader,
  flexible: boolean,
  nullable: boolean,
  field: string,
  readItem: () => T,
): T[] | null {
  const n = flexible ? r.readCompactArrayLength() : r.readArrayLength();
  if (n === -1) {
    if (!nullable) throw new ProtocolError(ProtocolErrorCode.NegativeLength, `${field} is null but not nullable`);
    return null;
  }
  const items = new Array<T>(n);
  for (let i = 0; i < n; i++) items[i] = readItem();
  return items;
}

/** Nullable structs carry a marker byte: -1 for null, 1 for present. */
export function writeNullableStruct<T>(
  w: Writer,
  nullable: boolean,
  value: T | null,
  field: string,
  write: (value: T) => void,
): void {
  if (value === null) {
    if (!nullable) throw new ProtocolError(ProtocolErrorCode.InvalidValue, `${field} cannot be null in this version`);
    w.writeInt8(-1);
    return;
  }
  if (nullable) w.writeInt8(1);
  write(value);
}

export function readNullableStruct<T>(r: Reader, nullable: boolean, read: () => T): T | null {
  if (nullable && r.readInt8() < 0) return null;
  return read();
}

export function encodeTagged<T>(tag: number, value: T, write: (w: Writer, value: T) => unknown): TaggedField {
  const w = new Writer(64);
  write(w, value);
  return { tag, data: w.toBuffer() };
}

/** Adds a struct-valued tag only when it differs from the default struct, as Kafka does. */
export function pushTaggedUnlessDefault<T>(
  tags: TaggedField[],
  tag: number,
  value: T,
  defaultValue: T,
  write: (w: Writer, value: T) => unknown,
): void {
  const field = encodeTagged(tag, value, write);
  if (!field.data.equals(encodeTagged(tag, defaultValue, write).data)) tags.push(field);
}

/** Writes known and unknown tagged fields, in ascending tag order. */
export function writeTaggedFields(w: Writer, known: TaggedField[], unknown: TaggedField[] | undefined): void {
  const all = unknown && unknown.length > 0 ? [...known, ...unknown].sort((a, b) => a.tag - b.tag) : known;
  w.writeUVarint(all.length);
  for (const f of all) {
    w.writeUVarint(f.tag);
    w.writeUVarint(f.data.length);
    w.writeRaw(f.data);
  }
}

/**
 * Reads a tagged-field section. `readKnown` reads a known tag from a reader bounded to that
 * field's bytes and returns true; unknown tags come back as raw bytes.
 */
export function readTaggedFields(r: Reader, readKnown: (tag: number, r: Reader) => boolean): TaggedField[] | undefined {
  const count = r.readUVarint();
  let unknown: TaggedField[] | undefined;
  for (let i = 0; i < count; i++) {
    const tag = r.readUVarint();
    const size = r.readUVarint();
    const data = r.readRaw(size);
    const field = new Reader(r.buffer, r.offset - size, r.offset);
    if (!readKnown(tag, field)) (unknown ??= []).push({ tag, data });
    else if (field.remaining !== 0)
      throw new ProtocolError(
        ProtocolErrorCode.CorruptMessage,
        `tagged field ${tag} has ${field.remaining} bytes left over`,
      );
  }
  return unknown;
}
