/**
 * The architectures the engine ships, one line each: adding an architecture is its folder under
 * engine/arch/ and one line here (docs/ARCHITECTURE.md).
 */
import type { Architecture } from './architecture.js';
import { gptArchitecture } from './gpt/index.js';
import { llamaArchitecture } from './llama/index.js';
import { mlpArchitecture } from './mlp/index.js';

export const BUILTIN_ARCHITECTURES: readonly Architecture[] = [gptArchitecture, mlpArchitecture, llamaArchitecture];
