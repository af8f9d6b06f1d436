/**
 * Bad input to the `spml` command is ONE line on stderr, `spml: …`, naming the option and what it
 * accepts, with exit status 2 and no usage text (apps/cli/argv.ts); usage appears only with --help.
 * Issue 12: before, commander's errors exited 1 after a 20-line usage dump.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, spmlAsync } from './run_cli.js';

const bad: [string, string[], RegExp][] = [
  ['--top-k 0', ['run', '--prompt', 'a', '--top-k', '0'], /'--top-k <k>' argument '0' is invalid\. top-k must be an integer >= 1$/],
  ['--max-tokens -5', ['run', '--prompt', 'a', '--max-tokens', '-5'], /'--max-tokens <n>' argument '-5' is invalid\. max-tokens must be an integer >= 0$/],
  ['--max-tokens 1.5', ['run', '--prompt', 'a', '--max-tokens', '1.5'], /'--max-tokens <n>'.* must be an integer >= 0$/],
  ['--temperature abc', ['run', '--prompt', 'a', '--temperature', 'abc'], /'--temperature <t>' argument 'abc' is invalid\. temperature must be a number >= 0 \(0 is greedy\)$/],
  ['--temperature -1', ['run', '--prompt', 'a', '--temperature', '-1'], /'--temperature <t>' argument '-1' is invalid\. temperature must be a number >= 0/],
  ['--seed -1', ['run', '--prompt', 'a', '--seed', '-1'], /'--seed <s>' argument '-1' is invalid\. seed must be an integer in \[0, 2\^64\)$/],
  ['--seed 2^64', ['run', '--prompt', 'a', '--seed', '18446744073709551616'], /'--seed <s>'.* seed must be an integer in \[0, 2\^64\)$/],
  ['--top-p 0', ['run', '--prompt', 'a', '--top-p', '0'], /'--top-p <p>' argument '0' is invalid\. top-p must be a number in \(0, 1\]$/],
  ['--top-p 1.5 on demo', ['demo', '--top-p', '1.5'], /'--top-p <p>'.* top-p must be a number in \(0, 1\]$/],
  ['an unknown option', ['run', '--prompt', 'a', '--bogus'], /^spml: unknown option '--bogus'$/],
  ['a misspelt option', ['run', '--prompt', 'a', '--sed', '1'], /^spml: unknown option '--sed' \(Did you mean --seed\?\)$/],
  ['an unknown option of simulate', ['simulate', '--bogus'], /^spml: unknown option '--bogus'$/],
  ['an unknown command', ['bogus'], /^spml: unknown command 'bogus'$/],
  ['no command', [], /^spml: missing command: one of run, .*simulate.* \(spml --help describes them\)$/],
  ['a missing required option', ['run'], /^spml: required option '--prompt <text>' not specified$/],
  ['a missing argument', ['inspect'], /^spml: missing required argument 'model'$/],
  ['an extra argument', ['inspect', 'moby-gpt', 'extra'], /^spml: too many arguments for 'inspect'/],
  ['a typed engine error', ['run', '--prompt', 'a', '--model', 'no/such.spml'], /^spml: loadModel: cannot read model 'no\/such\.spml'/],
];

describe('spml bad input', () => {
  it.concurrent.each(bad)('%s: one line on stderr naming it, exit status 2, no usage', async (_, args, message) => {
    const r = await spmlAsync(...args);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^spml: /);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr).not.toContain('Usage');
    expect(r.status).toBe(2);
  });

  it.concurrent('a temperature outside the model’s range names the range in user terms', async () => {
    const r = await spmlAsync('run', '--prompt', 'a', '--max-tokens', '1', '--temperature', '1e-30');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('spml: generate: temperature 1e-30 is outside the range this model supports, [1.5e-13, 1.3e6] (or 0 for greedy)\n');
  });
});

describe('spml usage and version', () => {
  it.concurrent.each([[[]], [['run']], [['simulate']], [['params']], [['backends']], [['check-backends']]])('`spml %j --help` prints usage on stdout, exit 0', async (cmd) => {
    const r = await spmlAsync(...cmd, '--help');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Usage: spml');
  });

  it.concurrent('`spml help run` prints run’s usage', async () => {
    const r = await spmlAsync('help', 'run');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--temperature <t>');
  });

  it.concurrent.each([['--version'], ['-V']])('`spml %s` prints the package version', async (flag) => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = await spmlAsync(flag);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${version}\n`);
  });
});
