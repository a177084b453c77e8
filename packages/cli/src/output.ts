/**
 * Terminal output: colour only when the stream is a TTY and NO_COLOR is unset (FORCE_COLOR
 * forces it), and borderless, column-aligned tables (cli-table3) for listings.
 */
import Table from 'cli-table3';

type Stream = { isTTY?: boolean };

export function colorEnabled(stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
export type Style = keyof typeof CODES;

export interface Painter {
  readonly enabled: boolean;
  (style: Style, text: string): string;
}

export function painter(stream: Stream): Painter {
  const enabled = colorEnabled(stream);
  const paint = (style: Style, text: string): string =>
    enabled ? `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m` : text;
  return Object.assign(paint, { enabled });
}

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** A table with a header row, columns separated by two spaces, no borders; right-aligned columns by index. */
export function table(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  options: { color?: boolean; alignRight?: readonly number[] } = {},
): string {
  const right = new Set(options.alignRight ?? []);
  const t = new Table({
    head: head.map((h) => ({ content: h, hAlign: right.has(head.indexOf(h)) ? 'right' : 'left' })) as never,
    chars: NO_BORDER,
    style: { 'padding-left': 0, 'padding-right': 0, head: options.color ? ['bold'] : [], border: [], compact: true },
  });
  for (const row of rows)
    t.push(row.map((cell, i) => ({ content: String(cell), hAlign: right.has(i) ? 'right' : 'left' })) as never);
  return t
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .join('\n');
}

/** `key: value` lines with the keys padded to one width. */
export function fields(pairs: readonly (readonly [string, string | number])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n');
}
