/**
 * Emits TypeScript for one message spec: a decoded interface and an input interface per struct,
 * and straight-line read/write functions with version branches pruned to what each struct can see.
 */
import type { FieldSpec, FieldType, MessageSpec, StructSpec, VersionRange } from './spec.js';
import { covers, intersect, isEmpty, NO_VERSIONS } from './spec.js';

export type Int64Mode = 'bigint' | 'number';

export interface CodegenOptions {
  int64: Int64Mode;
}

const ENTITY_ALIASES: Record<string, string> = {
  topicName: 'TopicName',
  brokerId: 'BrokerId',
  groupId: 'GroupId',
  transactionalId: 'TransactionalId',
  producerId: 'ProducerId',
};

const hull = (a: VersionRange, b: VersionRange): VersionRange =>
  isEmpty(a) ? b : isEmpty(b) ? a : { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };

/** The versions in which each struct can be read or written, so impossible branches are pruned. */
function structRanges(spec: MessageSpec): Map<StructSpec, VersionRange> {
  const ranges = new Map<StructSpec, VersionRange>([[spec.top, spec.valid]]);
  const structOf = (t: FieldType): StructSpec | undefined =>
    t.kind === 'struct' ? t.struct : t.kind === 'array' ? structOf(t.element) : undefined;
  for (let changed = true; changed;) {
    changed = false;
    for (const s of spec.structs) {
      const range = ranges.get(s) ?? NO_VERSIONS;
      for (const f of s.fields) {
        const inner = structOf(f.type);
        if (!inner) continue;
        const before = ranges.get(inner) ?? NO_VERSIONS;
        const after = hull(before, intersect(range, f.versions));
        if (after.lo !== before.lo || after.hi !== before.hi) {
          ranges.set(inner, after);
          changed = true;
        }
      }
    }
  }
  return ranges;
}

/** A condition on `version` for `r` within `ctx`: 'true', 'false' or an expression. */
function cond(r: VersionRange, ctx: VersionRange): string {
  const x = intersect(r, ctx);
  if (isEmpty(x)) return 'false';
  if (covers(x, ctx)) return 'true';
  const parts: string[] = [];
  if (x.lo > ctx.lo) parts.push(`version >= ${x.lo}`);
  if (x.hi < ctx.hi) parts.push(`version <= ${x.hi}`);
  return parts.join(' && ');
}
const and = (a: string, b: string): string =>
  a === 'false' || b === 'false' ? 'false' : a === 'true' ? b : b === 'true' ? a : `${a} && ${b}`;
/** Picks between two expressions on a condition, pruned when the condition is constant. */
const pick = (c: string, yes: string, no: string): string =>
  c === 'true' ? yes : c === 'false' ? no : yes === no ? yes : `(${c === 'flexible' ? c : `(${c})`} ? ${yes} : ${no})`;

class Code {
  private lines: string[] = [];
  private depth = 0;
  line(text = ''): this {
    this.lines.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    return this;
  }
  open(text: string): this {
    this.line(text);
    this.depth++;
    return this;
  }
  close(text = '}'): this {
    this.depth--;
    return this.line(text);
  }
  indent(): this {
    this.depth++;
    return this;
  }
  dedent(): this {
    this.depth--;
    return this;
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

export class MessageGenerator {
  private readonly ranges: Map<StructSpec, VersionRange>;
  private readonly code = new Code();

  constructor(
    private readonly spec: MessageSpec,
    private readonly opts: CodegenOptions,
  ) {
    this.ranges = structRanges(spec);
  }

  private range(s: StructSpec): VersionRange {
    return this.ranges.get(s) ?? NO_VERSIONS;
  }

  /** Whether a field is written compactly, for the versions `fctx` in which it is present. */
  private flexibleFor(f: FieldSpec, fctx: VersionRange): string {
    const c = cond(f.flexible ?? this.spec.flexible, fctx);
    if (f.flexible) return c;
    return c === 'true' || c === 'false' ? c : 'flexible';
  }

  // ---- types ----

  private tsType(t: FieldType, input: boolean, entity: string | undefined): string {
    if (t.kind === 'array') {
      const el = this.tsType(t.element, input, entity);
      return `${el}[]`;
    }
    if (t.kind === 'struct') return t.struct.tsName + (input ? 'Input' : '');
    const alias = entity ? ENTITY_ALIASES[entity] : undefined;
    if (alias && t.name !== 'int64') return alias;
    switch (t.name) {
      case 'bool':
        return 'boolean';
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'float64':
        return 'number';
      case 'int64':
        return alias ?? 'Int64';
      case 'string':
        return 'string';
      case 'uuid':
        return 'Uuid';
      case 'bytes':
      case 'records':
        return 'Buffer';
    }
  }

  private fieldType(f: FieldSpec, ctx: VersionRange, input: boolean): string {
    const base = this.tsType(f.type, input, f.entityType);
    const nullable = !isEmpty(intersect(intersect(f.nullable, f.versions), ctx));
    return nullable ? `${base} | null` : base;
  }

  /** Input fields may be omitted when the spec gives a default or the field is not in every version. */
  private optionalInInput(f: FieldSpec, ctx: VersionRange): boolean {
    const present = intersect(f.versions, ctx);
    return f.defaultText !== undefined || !covers(present, ctx) || isEmpty(present) || !isEmpty(f.tagged);
  }

  private emitInterfaces(s: StructSpec): void {
    const ctx = this.range(s);
    for (const input of [false, true]) {
      this.code.line(
        `/** ${s.specName}${input ? ' as given to the encoder: fields with defaults may be omitted' : ''}. */`,
      );
      this.code.open(`export interface ${s.tsName}${input ? 'Input' : ''} {`);
      for (const f of s.fields) {
        if (!input && f.about) this.code.line(`/** ${f.about.replace(/\*\//g, '*\\/')}${this.versionNote(f)} */`);
        const opt = input && this.optionalInInput(f, ctx) ? '?' : '';
        this.code.line(`${f.name}${opt}: ${this.fieldType(f, ctx, input)};`);
      }
      this.code.line('_unknownTaggedFields?: TaggedField[];');
      this.code.close();
      this.code.line();
    }
  }

  private versionNote(f: FieldSpec): string {
    const v = f.versions;
    const text = v.hi >= 0x7fff ? `${v.lo}+` : v.lo === v.hi ? `${v.lo}` : `${v.lo}-${v.hi}`;
    const tags = isEmpty(f.tagged) ? '' : `, tagged (tag ${f.tag})`;
    const key = f.mapKey ? ', map key' : '';
    return ` (versions ${text}${tags}${key})`;
  }

  // ---- defaults ----

  private defaultExpr(f: FieldSpec, ctx: VersionRange): string {
    const d = f.defaultText;
    const t = f.type;
    const nullableSomewhere = !isEmpty(intersect(f.nullable, ctx));
    if (t.kind === 'array') return d === 'null' ? 'null' : '[]';
    if (t.kind === 'struct') return d === 'null' ? 'null' : `default${t.struct.tsName}()`;
    switch (t.name) {
      case 'bool':
        return d === 'true' ? 'true' : 'false';
      case 'int64':
        return this.opts.int64 === 'bigint' ? `${BigInt(d ?? '0')}n` : String(Number(d ?? '0'));
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'float64':
        return String(Number(d ?? '0'));
      case 'string':
        return d === 'null' ? 'null' : JSON.stringify(d ?? '');
      case 'uuid':
        return 'ZERO_UUID';
      case 'bytes':
        return d === 'null' ? 'null' : 'EMPTY_BUFFER';
      case 'records':
        return d === 'null' || nullableSomewhere ? 'null' : 'EMPTY_BUFFER';
    }
  }

  /** An expression that is true when `e` (known not undefined) differs from the field's default. */
  private nonDefault(f: FieldSpec, e: string, ctx: VersionRange): string {
    const t = f.type;
    const d = this.defaultExpr(f, ctx);
    if (t.kind === 'array') return d === 'null' ? `${e} !== null` : `${e} !== null && ${e}.length > 0`;
    if (t.kind === 'struct') return d === 'null' ? `${e} !== null` : 'true';
    if (t.name === 'bytes' || t.name === 'records') return `${e} !== null && ${e}.length > 0`;
    return `${e} !== ${d}`;
  }

  private emitDefault(s: StructSpec): void {
    const ctx = this.range(s);
    this.code.open(`export function default${s.tsName}(): ${s.tsName} {`);
    this.code.open('return {');
    for (const f of s.fields) this.code.line(`${f.name}: ${this.defaultExpr(f, ctx)},`);
    this.code.close('};');
    this.code.close();
    this.code.line();
  }

  // ---- writing ----

  private writeExpr(t: FieldType, e: string, flex: string, nullable: string, name: string, depth: number): string {
    if (t.kind === 'array') {
      const x = `x${depth}`;
      const el = this.writeExpr(t.element, x, flex, 'false', name, depth + 1);
      return `writeArray(w, ${flex}, ${nullable}, ${e}, ${JSON.stringify(name)}, (${x}) => ${el})`;
    }
    if (t.kind === 'struct') {
      const body = `write${t.struct.tsName}(w, version, ${e})`;
      if (nullable === 'false') return body;
      return `writeNullableStruct(w, ${nullable}, ${e}, ${JSON.stringify(name)}, (s) => write${t.struct.tsName}(w, version, s))`;
    }
    switch (t.name) {
      case 'bool':
        return `w.writeBool(${e})`;
      case 'int8':
        return `w.writeInt8(${e})`;
      case 'int16':
        return `w.writeInt16(${e})`;
      case 'uint16':
        return `w.writeUInt16(${e})`;
      case 'int32':
        return `w.writeInt32(${e})`;
      case 'int64':
        return this.opts.int64 === 'bigint' ? `w.writeInt64(${e})` : `w.writeInt64Number(${e})`;
      case 'float64':
        return `w.writeFloat64(${e})`;
      case 'uuid':
        return `w.writeUuid(${e})`;
      case 'string':
        return this.sizedWrite('String', e, flex, nullable, name);
      case 'bytes':
      case 'records':
        return this.sizedWrite('Bytes', e, flex, nullable, name);
    }
  }

  private sizedWrite(kind: string, e: string, flex: string, nullable: string, name: string): string {
    const compact = (n: boolean): string => `w.writeCompact${n ? 'Nullable' : ''}${kind}`;
    const plain = (n: boolean): string => `w.write${n ? 'Nullable' : ''}${kind}`;
    if (nullable === 'false') return pick(flex, `${compact(false)}(${e})`, `${plain(false)}(${e})`);
    const nonNull = `notNull(${e}, ${JSON.stringify(name)})`;
    const f = (c: boolean): string =>
      nullable === 'true'
        ? `${c ? compact(true) : plain(true)}(${e})`
        : `(${nullable} ? ${c ? compact(true) : plain(true)}(${e}) : ${c ? compact(false) : plain(false)}(${nonNull}))`;
    if (flex === 'true') return f(true);
    if (flex === 'false') return f(false);
    return `(flexible ? ${f(true)} : ${f(false)})`;
  }

  private emitWriter(s: StructSpec): void {
    const ctx = this.range(s);
    const top = s === this.spec.top;
    const flexCond = cond(this.spec.flexible, ctx);
    this.code.open(
      `${top ? 'export ' : ''}function write${s.tsName}(w: Writer, version: number, v: ${s.tsName}Input): void {`,
    );
    if (flexCond !== 'true' && flexCond !== 'false') this.code.line(`const flexible = ${flexCond};`);
    const tagged: FieldSpec[] = [];
    for (const f of s.fields) {
      const qualified = `${s.specName}.${f.specName}`;
      const inline = inlineCond(f, ctx);
      if (!isEmpty(intersect(f.tagged, ctx))) tagged.push(f);
      const fctx = intersect(f.versions, ctx);
      const flex = this.flexibleFor(f, fctx);
      const nullable = cond(f.nullable, fctx);
      const value = !this.optionalInInput(f, ctx)
        ? `v.${f.name}`
        : nullable === 'false'
          ? `(v.${f.name} ?? ${this.defaultExpr(f, ctx)})`
          : `(v.${f.name} === undefined ? ${this.defaultExpr(f, ctx)} : v.${f.name})`;
      const write = this.writeExpr(f.type, value, flex, nullable, qualified, 0) + ';';
      // Kafka refuses to drop a non-ignorable field set to a non-default value in a version that lacks it.
      // Responses are written by the broker for the version the client asked for: a field that
      // version lacks is simply not sent, so the check guards requests (and records) only.
      const checkAbsent =
        this.spec.type !== 'response' && !f.ignorable && isEmpty(f.tagged) && cond(f.versions, ctx) !== 'true';
      const absentGuard = `v.${f.name} !== undefined && ${this.nonDefault(f, `v.${f.name}`, ctx)}`;
      const throwLine = `throw unsupportedField(${JSON.stringify(qualified)}, version);`;
      if (inline === 'true') this.code.line(write);
      else if (inline !== 'false') {
        this.code.open(`if (${inline}) {`).line(write);
        if (checkAbsent) this.code.dedent().open(`} else if (${absentGuard}) {`).line(throwLine);
        this.code.close();
      } else if (checkAbsent) this.code.open(`if (${absentGuard}) {`).line(throwLine).close();
    }
    if (flexCond !== 'false') {
      const lines: string[] = [];
      lines.push('const tags: TaggedField[] = [];');
      for (const f of tagged) {
        const c = cond(f.tagged, ctx);
        const value = `v.${f.name}`;
        const nullable = cond(f.nullable, intersect(f.tagged, ctx));
        const enc = this.writeExpr(f.type, 'x', 'true', nullable, `${s.specName}.${f.specName}`, 0);
        const guard = and(c, and(`${value} !== undefined`, this.nonDefault(f, value, ctx)));
        if (f.type.kind === 'struct' && this.defaultExpr(f, ctx) !== 'null') {
          // A struct tag is written only when it differs from the default struct, as Kafka does.
          const def = this.defaultExpr(f, ctx);
          lines.push(`if (${guard}) pushTaggedUnlessDefault(tags, ${f.tag}, ${value}, ${def}, (w, x) => ${enc});`);
        } else lines.push(`if (${guard}) tags.push(encodeTagged(${f.tag}, ${value}, (w, x) => ${enc}));`);
      }
      lines.push('writeTaggedFields(w, tags, v._unknownTaggedFields);');
      if (flexCond === 'true') for (const l of lines) this.code.line(l);
      else {
        this.code.open('if (flexible) {');
        for (const l of lines) this.code.line(l);
        this.code.close();
      }
    }
    this.code.close();
    this.code.line();
  }

  // ---- reading ----

  private readExpr(t: FieldType, flex: string, nullable: string, name: string): string {
    if (t.kind === 'array') {
      const el = this.readExpr(t.element, flex, 'false', name);
      return `readArray(r, ${flex}, ${nullable}, ${JSON.stringify(name)}, () => ${el})`;
    }
    if (t.kind === 'struct') {
      const body = `read${t.struct.tsName}(r, version)`;
      if (nullable === 'false') return body;
      return `readNullableStruct(r, ${nullable}, () => ${body})`;
    }
    switch (t.name) {
      case 'bool':
        return 'r.readBool()';
      case 'int8':
        return 'r.readInt8()';
      case 'int16':
        return 'r.readInt16()';
      case 'uint16':
        return 'r.readUInt16()';
      case 'int32':
        return 'r.readInt32()';
      case 'int64':
        return this.opts.int64 === 'bigint' ? 'r.readInt64()' : 'r.readInt64Number()';
      case 'float64':
        return 'r.readFloat64()';
      case 'uuid':
        return 'r.readUuid()';
      case 'string':
        return this.sizedRead('String', flex, nullable);
      case 'bytes':
      case 'records':
        return this.sizedRead('Bytes', flex, nullable);
    }
  }

  private sizedRead(kind: string, flex: string, nullable: string): string {
    const m = (c: boolean, n: boolean): string => `r.read${c ? 'Compact' : ''}${n ? 'Nullable' : ''}${kind}()`;
    const byNull = (c: boolean): string => pick(nullable, m(c, true), m(c, false));
    return pick(flex, byNull(true), byNull(false));
  }

  private emitReader(s: StructSpec): void {
    const ctx = this.range(s);
    const top = s === this.spec.top;
    const flexCond = cond(this.spec.flexible, ctx);
    this.code.open(`${top ? 'export ' : ''}function read${s.tsName}(r: Reader, version: number): ${s.tsName} {`);
    if (flexCond !== 'true' && flexCond !== 'false') this.code.line(`const flexible = ${flexCond};`);
    const tagged: FieldSpec[] = [];
    for (const f of s.fields) {
      const name = `${s.specName}.${f.specName}`;
      const inline = inlineCond(f, ctx);
      if (!isEmpty(intersect(f.tagged, ctx))) tagged.push(f);
      const fctx = intersect(f.versions, ctx);
      const read = this.readExpr(f.type, this.flexibleFor(f, fctx), cond(f.nullable, fctx), name);
      const type = this.fieldType(f, ctx, false);
      const mutable = tagged.includes(f) || inline !== 'true';
      if (!mutable) this.code.line(`const ${local(f)}: ${type} = ${read};`);
      else {
        this.code.line(`let ${local(f)}: ${type} = ${this.defaultExpr(f, ctx)};`);
        if (inline === 'true') this.code.line(`${local(f)} = ${read};`);
        else if (inline !== 'false') this.code.line(`if (${inline}) ${local(f)} = ${read};`);
      }
    }
    this.code.line('let unknownTags: TaggedField[] | undefined;');
    if (flexCond !== 'false') {
      if (flexCond !== 'true') this.code.open('if (flexible) {');
      this.code.open('unknownTags = readTaggedFields(r, (tag, r) => {');
      if (tagged.length > 0) {
        this.code.open('switch (tag) {');
        for (const f of tagged) {
          const c = cond(f.tagged, ctx);
          const read = this.readExpr(
            f.type,
            'true',
            cond(f.nullable, intersect(f.tagged, ctx)),
            `${s.specName}.${f.specName}`,
          );
          this.code.open(`case ${f.tag}:`);
          if (c === 'true') this.code.line(`${local(f)} = ${read};`).line('return true;');
          else
            this.code
              .open(`if (${c}) {`)
              .line(`${local(f)} = ${read};`)
              .line('return true;')
              .close()
              .line('return false;');
          this.code.dedent();
        }
        this.code.line('default:').line('  return false;');
        this.code.close();
      } else this.code.line('return false;');
      this.code.close('});');
      if (flexCond !== 'true') this.code.close();
    }
    this.code.open(`const out: ${s.tsName} = {`);
    for (const f of s.fields) this.code.line(`${f.name}: ${local(f)},`);
    this.code.close('};');
    this.code.line('if (unknownTags) out._unknownTaggedFields = unknownTags;');
    this.code.line('return out;');
    this.code.close();
    this.code.line();
  }

  generate(): string {
    for (const s of this.spec.structs) this.emitInterfaces(s);
    for (const s of this.spec.structs) this.emitDefault(s);
    for (const s of this.spec.structs) this.emitWriter(s);
    for (const s of this.spec.structs) this.emitReader(s);
    return this.code.toString();
  }
}

/** The condition for a field written inline: present and not tagged in that version. */
function inlineCond(f: FieldSpec, ctx: VersionRange): string {
  const present = intersect(f.versions, ctx);
  const tagged = intersect(f.tagged, present);
  if (isEmpty(tagged)) return cond(present, ctx);
  if (covers(tagged, present)) return 'false';
  // Kafka's tagged versions are a suffix or prefix of a field's versions.
  if (tagged.hi >= present.hi) return cond({ lo: present.lo, hi: tagged.lo - 1 }, ctx);
  if (tagged.lo <= present.lo) return cond({ lo: tagged.hi + 1, hi: present.hi }, ctx);
  return and(cond(present, ctx), negate(cond(tagged, ctx)));
}

const negate = (c: string): string => (c === 'true' ? 'false' : c === 'false' ? 'true' : `!(${c})`);
const RESERVED = new Set(['version', 'r', 'w', 'v', 'out', 'unknownTags', 'flexible', 'tag']);
const local = (f: FieldSpec): string => (RESERVED.has(f.name) ? `${f.name}_` : `f_${f.name}`);
