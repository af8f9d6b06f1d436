/** `spml inspect`: architecture, parameter count, sizes, quantization summary and hash. */
import { inspectModel, loadModel } from '../../engine/api.js';
import { printFields, printJson } from './format_result.js';

export async function inspect(source: string, flags: { json?: boolean }): Promise<number> {
  const info = inspectModel(await loadModel(source));
  if (flags.json) {
    printJson(info);
    return 0;
  }
  const { arch, ...rest } = info.architecture as unknown as Record<string, unknown>;
  printFields({
    name: info.name,
    'model hash': info.hash,
    'file size': `${info.fileBytes} bytes`,
    architecture: `${String(arch)} ${JSON.stringify(rest)}`,
    parameters: info.parameters,
    tensors: info.tensors,
  });
  console.log('\nquantization (symmetric, zero point 0; scales are integer multiplier/shift pairs):');
  for (const [dtype, s] of Object.entries(info.byDtype)) console.log(`  ${dtype.padEnd(6)} ${String(s.tensors).padStart(3)} tensors  ${String(s.elements).padStart(8)} values  ${String(s.bytes).padStart(8)} bytes`);
  const meta = Object.entries(info.meta).filter(([k]) => k !== 'vocab');
  if (meta.length) console.log('\n' + meta.map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
  return 0;
}
