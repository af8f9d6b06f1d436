/**
 * The demo page (engine/web/index.html): runs a GPT model with spml on a chosen backend and shows
 * the text, the output hash, the trace root, the speed and what really ran the kernels. Models
 * come as bytes, fetched from this page's own origin (the shipped models/*.spml) or picked from
 * disk, and go to loadModel(bytes); nothing is fetched from anywhere else. For automation,
 * `window.spml.run(case)` runs one generation and resolves with its result (engine/web/chromium.ts
 * drives it in headless Chromium).
 */
import { generate, getBackend, loadModel, type SpmlModel } from './browser.js';

/** One generation, as engine/web/chromium.ts passes it. */
export interface WebCase {
  backend: string;
  prompt: string;
  /** 64-bit seed; a string or bigint keeps all 64 bits. */
  seed: number | string | bigint;
  maxTokens: number;
  temperature: number;
}

export interface WebResult {
  completion: string;
  outputHash: string;
  traceRoot: string;
  ms: number;
  tokensPerSecond: number;
  backend: string;
  /** The backend's own description: the WebGPU adapter, the gpu.js kernel class, … */
  description: string;
}

export interface SpmlPage {
  run(c: WebCase): Promise<WebResult>;
}

declare global {
  interface Window {
    spml: SpmlPage;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Where the model comes from: a same-origin URL or a picked file. */
let source: { key: string; bytes: () => Promise<Uint8Array> } = fromUrl('models/moby-gpt.spml');
const loaded = new Map<string, Promise<SpmlModel>>();

function fromUrl(url: string) {
  return {
    key: `url:${url}`,
    bytes: async () => {
      const res = await fetch(new URL(url, document.baseURI));
      if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

/** The current model on `backend`, loaded once per backend and model. */
function modelOn(backend: string): Promise<SpmlModel> {
  const key = `${source.key}|${backend}`;
  let m = loaded.get(key);
  if (!m) {
    const { bytes } = source;
    m = bytes().then((b) => loadModel(b, { backend }));
    m.catch(() => loaded.delete(key));
    loaded.set(key, m);
  }
  return m;
}

function toSeed(seed: WebCase['seed']): bigint {
  return typeof seed === 'bigint' ? seed : BigInt(seed);
}

/** Show the case in the form, so that the page says what produced its output. */
function fillForm(c: WebCase): void {
  $<HTMLSelectElement>('backend').value = c.backend;
  $<HTMLTextAreaElement>('prompt').value = c.prompt;
  $<HTMLInputElement>('seed').value = String(c.seed);
  $<HTMLInputElement>('maxTokens').value = String(c.maxTokens);
  $<HTMLInputElement>('temperature').value = String(c.temperature);
}

async function run(c: WebCase): Promise<WebResult> {
  fillForm(c);
  setStatus(`running on ${c.backend}…`);
  const model = await modelOn(c.backend);
  const r = await generate(model, c.prompt, { maxTokens: c.maxTokens, seed: toSeed(c.seed), temperature: c.temperature });
  const { description } = await getBackend(c.backend);
  const result: WebResult = {
    completion: r.completion,
    outputHash: r.outputHash,
    traceRoot: r.traceRoot,
    ms: r.ms,
    tokensPerSecond: r.tokensPerSecond,
    backend: c.backend,
    description,
  };
  show(r.text, result);
  return result;
}

function show(text: string, r: WebResult): void {
  $('output').textContent = text;
  setStatus(`${r.backend}: ${r.description}`);
  const row = document.createElement('tr');
  const cells: [string, boolean][] = [
    [r.backend, false],
    [r.description, false],
    [r.outputHash, true],
    [r.traceRoot, true],
    [r.ms.toFixed(0), false],
    [r.tokensPerSecond.toFixed(1), false],
  ];
  for (const [value, hash] of cells) {
    const td = document.createElement('td');
    td.textContent = value;
    if (hash) td.className = 'hash';
    row.append(td);
  }
  $('runs').append(row);
}

function setStatus(message: string, error = false): void {
  const s = $('status');
  s.textContent = message;
  s.className = error ? 'error' : 'note';
}

function formCase(): WebCase {
  const num = (id: string) => {
    const v = Number($<HTMLInputElement>(id).value);
    if (!Number.isFinite(v)) throw new Error(`${id} must be a number`);
    return v;
  };
  return {
    backend: $<HTMLSelectElement>('backend').value,
    prompt: $<HTMLTextAreaElement>('prompt').value,
    seed: $<HTMLInputElement>('seed').value.trim(),
    maxTokens: num('maxTokens'),
    temperature: num('temperature'),
  };
}

$('model').addEventListener('change', () => {
  const v = $<HTMLSelectElement>('model').value;
  if (v === 'file') $<HTMLInputElement>('file').click();
  else source = fromUrl(v);
});
$('file').addEventListener('change', () => {
  const f = $<HTMLInputElement>('file').files?.[0];
  if (!f) return;
  source = { key: `file:${f.name}:${f.size}:${f.lastModified}`, bytes: async () => new Uint8Array(await f.arrayBuffer()) };
  setStatus(`model: ${f.name} (${f.size} bytes)`);
});
$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const go = $<HTMLButtonElement>('go');
  go.disabled = true;
  Promise.resolve()
    .then(() => run(formCase()))
    .catch((err: unknown) => setStatus(String(err), true))
    .finally(() => (go.disabled = false));
});

window.spml = { run };
setStatus('ready');
