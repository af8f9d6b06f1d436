/**
 * An ARM64 machine for the determinism checks without ARM64 hardware: Bun's linux-aarch64 build
 * (the same version as the `bun` npm package) run by QEMU's user-mode emulator on x64, or directly
 * on an arm64 Linux host. npm ci never installs that build on x64 (its package is cpu: arm64), so
 * .ci/setup fetches it with `npm pack`, checks it against the integrity package-lock.json records
 * for it and unpacks its binary to .cache/arm64/bun-<version>/bun (or writes why it could not to
 * .cache/arm64/bun-<version>.unavailable). QEMU is called explicitly (no binfmt_misc needed) with
 * Debian's aarch64 glibc (libc6-arm64-cross) as its library root, since the binary links glibc.
 *
 * arm64Bun() gives the command and leading arguments that run a script under that Bun, or exactly
 * why it cannot run here; it probes the command once (`--version`) so a binary that does not start
 * is reported as such rather than as a failing case.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Arm64Bun = { command: string; args: string[]; describe: string } | { unavailable: string };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where Debian's libc6-arm64-cross puts the aarch64 glibc and its loader. */
export const AARCH64_SYSROOT = '/usr/aarch64-linux-gnu';
const QEMU_NAMES = ['qemu-aarch64-static', 'qemu-aarch64'];

const CACHE = join(ROOT, '.cache', 'arm64');

/** The bun-linux-aarch64 binary .ci/setup unpacks for the installed bun's version. */
export function arm64BunPath(version: string): string {
  return join(CACHE, `bun-${version}`, 'bun');
}

function onPath(names: string[]): string | undefined {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

function firstLine(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
}

function find(): Arm64Bun {
  if (process.platform !== 'linux') return { unavailable: `Bun's linux-aarch64 build runs on Linux only (this is ${process.platform})` };
  if (process.arch !== 'x64' && process.arch !== 'arm64') return { unavailable: `no way to run aarch64 code on a ${process.arch} host` };
  const pkg = join(ROOT, 'node_modules', 'bun', 'package.json');
  if (!existsSync(pkg)) return { unavailable: `${pkg} is missing: run npm ci (.ci/setup)` };
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  const binary = arm64BunPath(version);
  if (!existsSync(binary)) {
    const why = join(CACHE, `bun-${version}.unavailable`);
    const reason = existsSync(why) ? readFileSync(why, 'utf8').trim() : '.ci/setup has not fetched it (run .ci/setup)';
    return { unavailable: `Bun ${version} for linux-aarch64 is not at ${binary}: ${reason}` };
  }
  let command = binary;
  let args: string[] = [];
  let via = 'natively';
  if (process.arch === 'x64') {
    const qemu = onPath(QEMU_NAMES);
    if (!qemu) return { unavailable: `neither ${QEMU_NAMES.join(' nor ')} is on PATH: Debian's qemu-user-static package provides it (.ci/setup installs it)` };
    const loader = join(AARCH64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1');
    if (!existsSync(loader)) return { unavailable: `the aarch64 glibc is missing (${loader}): Debian's libc6-arm64-cross package provides it (.ci/setup installs it)` };
    let qemuVersion: string;
    try {
      qemuVersion = firstLine(qemu, ['--version']);
    } catch (e) {
      return { unavailable: `${qemu} --version failed: ${(e as Error).message}` };
    }
    command = qemu;
    args = ['-L', AARCH64_SYSROOT, binary];
    via = `under ${qemuVersion} (-L ${AARCH64_SYSROOT})`;
  }
  try {
    const ran = firstLine(command, [...args, '--version']);
    if (ran !== version) return { unavailable: `${[command, ...args].join(' ')} --version printed ${JSON.stringify(ran)}, not ${version}` };
  } catch (e) {
    const err = e as Error & { stderr?: string };
    return { unavailable: `${[command, ...args].join(' ')} --version failed: ${(err.stderr || err.message).trim()}` };
  }
  return { command, args, describe: `bun ${version} linux-aarch64 ${via}` };
}

let found: Arm64Bun | undefined;

/** How to run Bun's aarch64 build here (memoized: the probe runs once per process). */
export function arm64Bun(): Arm64Bun {
  return (found ??= find());
}
