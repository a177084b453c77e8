/**
 * Backslash escapes in delimiters and format strings, as kcat reads them: \n \r \t \0 \\ and
 * \xNN (one byte). The result is bytes, so `--delimiter '\xff'` means the byte 0xff.
 */
import { UsageError } from '../errors.js';

const SIMPLE: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c };

export function unescapeBytes(text: string, what: string): Buffer {
  const out: Buffer[] = [];
  let literal = '';
  const flush = () => {
    if (literal) out.push(Buffer.from(literal, 'utf8'));
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i === text.length - 1) {
      literal += c;
      continue;
    }
    const next = text[i + 1]!;
    if (next in SIMPLE) {
      flush();
      out.push(Buffer.of(SIMPLE[next]!));
      i++;
    } else if (next === 'x') {
      const hex = /^[0-9a-fA-F]{2}/.exec(text.slice(i + 2));
      if (!hex) throw new UsageError(`${what}: \\x must be followed by two hex digits, in '${text}'`);
      flush();
      out.push(Buffer.of(parseInt(hex[0], 16)));
      i += 3;
    } else literal += c; // an unknown escape stays as written, backslash included
  }
  flush();
  return Buffer.concat(out);
}
