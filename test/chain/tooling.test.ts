// The contract's tooling (protocol/chain/compile.ts, anvil.ts): solc is pinned, the settlement fits
// EIP-170, the build writes its artifact, and anvil starts, answers and never outlives its stop().
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anvilBinary, startAnvil } from '../../protocol/chain/anvil.js';
import { checkedSolcVersion, compileContracts, compileSettlement, SOLC_VERSION, writeSettlementArtifact } from '../../protocol/chain/compile.js';

/** Whether an anvil process listening on `port` exists (pgrep on its command line). */
const anvilOn = (port: number): boolean => {
  try {
    execFileSync('pgrep', ['-f', `anvil .*--port ${port} `]);
    return true;
  } catch {
    return false;
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('compile', () => {
  it('refuses any solc but the pinned release', () => {
    expect(checkedSolcVersion()).toMatch(new RegExp(`^${SOLC_VERSION.replace(/\./g, '\\.')}\\+`));
    expect(() => checkedSolcVersion('0.8.29+commit.ab55807c.Emscripten.clang')).toThrow(/0\.8\.29.*pinned to 0\.8\.30/);
  });

  it('compiles the settlement under the EIP-170 code size limit, once per source text', () => {
    const a = compileSettlement();
    expect(a.solcVersion.startsWith(SOLC_VERSION)).toBe(true);
    expect((a.deployedBytecode.length - 2) / 2).toBeLessThanOrEqual(24_576);
    expect(a.abi.some((x) => x.type === 'error' && x.name === 'Reentrancy')).toBe(true);
    expect(compileSettlement()).toBe(a);
  });

  it('reports solc\'s errors and refuses warnings', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spml-sol-'));
    const broken = path.join(dir, 'Broken.sol');
    writeFileSync(broken, '// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\ncontract Broken { function f() external { uint256 x = ; } }\n');
    expect(() => compileContracts(broken)).toThrow(/ParserError/);
    const warned = path.join(dir, 'Warned.sol');
    writeFileSync(warned, '// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\ncontract Warned { function f(uint256 unused) external pure returns (uint256) { return 1; } }\n');
    expect(() => compileContracts(warned)).toThrow(/Warning: Unused function parameter/);
  });

  it('writes the artifact npm run build:contracts ships', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'spml-art-')), 'chain', 'SpmlSettlement.json');
    writeSettlementArtifact(out);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { contractName: string; bytecode: string; abi: unknown[] };
    expect(json.contractName).toBe('SpmlSettlement');
    expect(json.bytecode).toBe(compileSettlement().bytecode);
  });
});

describe('anvil', () => {
  it('is the platform package\'s binary', () => {
    expect(existsSync(anvilBinary())).toBe(true);
  });

  it('starts on a free port, answers, and is gone once stopped', async () => {
    const anvil = await startAnvil({ accounts: 2 });
    try {
      expect(anvil.accounts).toHaveLength(2);
      expect(alive(anvil.pid)).toBe(true);
      const res = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
      expect(((await res.json()) as { result: string }).result).toBe('0x7a69');
      // A port already taken is refused before anything starts (the other listener would answer for it).
      const port = Number(new URL(anvil.rpcUrl).port);
      await expect(startAnvil({ port, accounts: 1 })).rejects.toThrow(/is not free/);
    } finally {
      await anvil.stop();
    }
    expect(alive(anvil.pid)).toBe(false);
    expect(anvilOn(Number(new URL(anvil.rpcUrl).port))).toBe(false);
    await anvil.stop();
  });

  it('dies with the process that started it, even one killed with SIGKILL', async () => {
    const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [new URL('./anvil_child.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before starting anvil`)));
    });
    // tsx runs the script in a node process of its own: that one holds anvil, and is the one killed.
    const [pid, url] = line.split(' ') as [string, string];
    const port = Number(new URL(url).port);
    expect(anvilOn(port)).toBe(true);
    process.kill(Number(pid), 'SIGKILL');
    child.kill();
    const until = Date.now() + 10_000;
    while (anvilOn(port) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(anvilOn(port)).toBe(false);
  });
});
