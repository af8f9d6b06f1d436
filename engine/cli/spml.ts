#!/usr/bin/env node
/**
 * The `spml` command line. Each subcommand lives in its own module; this file only dispatches
 * and turns typed errors into a one-line message and exit status 2.
 */
import { SpmlError } from '../errors.js';
import { demo } from './demo.js';
import { listBackends } from './backends.js';
import { listKernels } from '../kernel_registry.js';

const USAGE = `usage: spml <command>

commands:
  demo       run one transformer block on every backend and compare hashes
  backends   list the registered backends and their kernels
  help       show this message`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'demo':
      return demo();
    case 'backends':
      for (const name of listBackends()) console.log(`${name}: ${listKernels(name).join(', ')}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`spml: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof SpmlError) {
      console.error(`spml: ${e.message}`);
      process.exitCode = 2;
    } else {
      throw e;
    }
  },
);
