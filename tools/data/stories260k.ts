/**
 * The source files of the shipped stories260k model: the 260K-parameter TinyStories Llama of the
 * llama2.c project (Andrej Karpathy, MIT) and its 512-token vocabulary, read from
 * shared/models/stories260K/ beside the checkout and refused unless their sha256 is the published
 * one (that folder's README.md: an altered copy of the same name circulates).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STORIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/models/stories260K');

export const STORIES_SHA256 = {
  'stories260K.bin': 'b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696',
  'tok512.bin': '037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312',
} as const;

/** A file of the folder, checked; a missing or altered one is an Error saying where and why. */
export function readStoriesFile(name: keyof typeof STORIES_SHA256): Uint8Array {
  const path = join(STORIES_DIR, name);
  if (!existsSync(path)) throw new Error(`${name} is not at ${path}: stories260k is built from ../shared/models/stories260K beside the checkout`);
  const bytes = new Uint8Array(readFileSync(path));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== STORIES_SHA256[name]) throw new Error(`${name} has sha256 ${sha}, not the published ${STORIES_SHA256[name]}: an altered copy`);
  return bytes;
}
