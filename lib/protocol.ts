/**
 * The package entry point `import 'spml/protocol'`: the spML protocol harness (protocol/index.ts)
 * with the reference backend, cpu, registered, as lib/index.ts does for the engine.
 */
import './register.js';
export * from '../protocol/index.js';
