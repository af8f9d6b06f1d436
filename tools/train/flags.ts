/**
 * Command-line flags of the training scripts: `--name value` or `--name=value`, every flag a
 * string, unknown flags rejected. A thin wrapper over node:util parseArgs.
 */
import { parseArgs } from 'node:util';

export function parseFlags(argv: string[], known: readonly string[]): Record<string, string> {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(known.map((k) => [k, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  return values as Record<string, string>;
}
