/**
 * How the `spml` command line treats bad input: option value parsers that state the valid range
 * in the user's terms, and one error path. Every bad argument, bad option value, unknown option
 * or command, missing required option and typed engine/protocol error (SpmlError) becomes ONE
 * line on stderr, `spml: …`, and exit status 2; usage text appears only when asked for (--help).
 *
 * Commander reports its own errors through `exitOverride()` (a thrown CommanderError instead of
 * process.exit) and `configureOutput()` (its messages are not written; `runCli` writes the line).
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { SpmlError } from '../../engine/errors.js';

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** An integer option in [min, max]; only decimal digits, so `--max-tokens ''` or `0x10` is refused too. */
export const int =
  (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number => {
    const n = /^\+?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`}`);
    }
    return n;
  };

/** A finite decimal number accepted by `ok`, which `range` describes (e.g. ">= 0", "in (0, 1]"). */
export const num =
  (name: string, range?: string, ok: (n: number) => boolean = () => true) =>
  (v: string): number => {
    const n = DECIMAL.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`${name} must be a number${range ? ` ${range}` : ''}`);
    return n;
  };

/** The sampling temperature: the model decides its upper and lower bounds (engine/generate.ts). */
export const temperature = num('temperature', '>= 0 (0 is greedy)', (n) => n >= 0);
export const topP = num('top-p', 'in (0, 1]', (n) => n > 0 && n <= 1);

/** A 64-bit sampling seed. */
export const seed = (v: string): bigint => {
  if (!/^\d+$/.test(v.trim()) || BigInt(v.trim()) >= 1n << 64n) throw new InvalidArgumentError('seed must be an integer in [0, 2^64)');
  return BigInt(v.trim());
};

/** The package version, from the package's own package.json (a self-reference: source, dist/ and installed alike). */
export function packageVersion(): string {
  return (createRequire(import.meta.url)('spml/package.json') as { version: string }).version;
}

/**
 * Sets a program up for the one-line errors above: call before adding commands, since commander
 * copies these settings into each command when it is created.
 */
export function withOneLineErrors(p: Command): Command {
  return p.exitOverride().configureOutput({
    // Commander writes to stderr only its error messages and the usage text after a missing
    // command (help({ error: true })); runCli reports both as one line instead.
    writeErr: () => undefined,
    outputError: () => undefined,
  });
}

/** The one line and exit status for an error a command or the parser threw; undefined for a bug. */
export function describeError(e: unknown, p: Command): { line?: string; status: number } | undefined {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return { status: 0 }; // --help, --version: already printed to stdout
    if (e.code === 'commander.help') return { line: `missing command: one of ${p.commands.map((c) => c.name()).join(', ')} (spml --help describes them)`, status: 2 };
    return { line: e.message.replace(/^error: /, ''), status: 2 };
  }
  if (e instanceof SpmlError) return { line: e.message, status: 2 };
  // A file named by an option that cannot be read or written (ENOENT, EACCES, …) is bad input too.
  const sys = e as NodeJS.ErrnoException;
  if (e instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') return { line: e.message, status: 2 };
  return undefined;
}

/** Parses argv and runs the command; an error becomes one line `spml: …` and exit status 2. */
export async function runCli(p: Command, argv: readonly string[]): Promise<void> {
  try {
    await p.parseAsync(argv as string[]);
  } catch (e) {
    const d = describeError(e, p);
    if (!d) throw e;
    if (d.line !== undefined) process.stderr.write(`spml: ${d.line.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = d.status;
  }
}
