/** Plain-text and JSON rendering of CLI results, kept apart from argument handling. */

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
}

export function printFields(fields: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [k, v] of Object.entries(fields)) console.log(`${k.padEnd(width)}  ${v}`);
}

/** A measured quantity (ms, tokens/s) for JSON output: one decimal, no float noise. */
export function rounded(x: number, decimals = 1): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
