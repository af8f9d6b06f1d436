/**
 * Progress of a model conversion (`spml import`, or a llama2.c/GGUF file given to run, verify or
 * inspect) on stderr, with the time left at the speed so far, as `spml simulate` shows its own:
 * nothing for a conversion that ends within 250 ms; after that, on a terminal one line rewritten
 * every 250 ms, in a log one line every 5 s. Calibration runs the float model over sequences
 * that grow a token at a time, so the work is counted in token positions, not in tokens, and the
 * estimate stays right while each step gets slower.
 */
import type { ImportProgress } from '../../engine/import_model.js';
import { formatDuration } from './format_result.js';

const TTY_EVERY_MS = 250;
const LOG_EVERY_MS = 5000;

const STAGES: Record<ImportProgress['stage'], string> = {
  calibrate: 'sampling calibration text from the float model',
  quantize: 'quantizing',
  done: 'done',
};

export function importProgress(command: string): (p: ImportProgress) => void {
  const tty = process.stderr.isTTY === true;
  const start = performance.now();
  let lastPrinted = -Infinity;
  return (p) => {
    const elapsed = performance.now() - start;
    const final = p.stage === 'done';
    if (elapsed < TTY_EVERY_MS || (!final && elapsed - lastPrinted < (tty ? TTY_EVERY_MS : LOG_EVERY_MS))) return;
    lastPrinted = elapsed;
    const left = final ? `done in ${formatDuration(elapsed)}` : p.done > 0 ? `about ${formatDuration(((p.total - p.done) * elapsed) / p.done)} left` : 'estimating the time left';
    const line = `${command}: ${((100 * p.done) / p.total).toFixed(1)}%, ${STAGES[p.stage]}, ${left}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  };
}
