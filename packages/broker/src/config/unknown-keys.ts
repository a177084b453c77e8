/**
 * Settings the broker does not know. Kafka logs "The configuration 'x' was supplied but isn't a
 * known config" and carries on, which is what lets a stock server.properties (network threads,
 * socket buffers, process.roles, …) start a broker that has no use for those settings; Gregor
 * does the same, and `--strict-config` turns them back into errors. A name close to a known
 * one is more likely a typo than a Kafka setting, so the message suggests the known name.
 */

/** The known name closest to `name`, if it is near enough to be a likely typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  // Two edits catch a dropped, doubled or swapped letter without matching unrelated settings.
  return best !== undefined && bestDistance > 0 && bestDistance <= Math.min(2, Math.floor(name.length / 4))
    ? best
    : undefined;
}

/** The line for an unknown key: a warning by default (`ignored`), an error under --strict-config. */
export function unknownKeyMessage(
  name: string,
  source: string | undefined,
  known: Iterable<string>,
  ignored: boolean,
): string {
  const suggestion = closestName(name, known);
  return (
    `unknown config '${name}'` +
    (source ? ` (from ${source})` : '') +
    (ignored ? ' is ignored' : '') +
    (suggestion ? `; did you mean '${suggestion}'?` : '')
  );
}

/** Levenshtein distance (insert, delete, substitute), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
