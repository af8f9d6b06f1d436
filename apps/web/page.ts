/**
 * The demo page (apps/web/index.html): runs a language model with spml on a chosen backend and
 * shows the text, the output hash, the trace root, the speed and what really ran the kernels. It
 * offers every backend a browser has (the backend list, kernels/backends.ts), preselects the
 * first that starts in this browser, and starts with `spml demo`'s settings. Models
 * come as bytes, fetched from this page's own origin (the shipped models/*.spml) or picked from
 * disk, and go to loadModel(bytes); nothing is fetched from anywhere else. For automation,
 * `window.spml.run(case)` runs one case, a generation or a classification, on any model (a shipped
 * name or a model file's bytes) and resolves with its result, as generate()/classify() give it in
 * Node (apps/web/chromium.ts drives it in headless Chromium, apps/web/firefox.ts in Firefox).
 */
import { GENERATE_DEFAULTS, SHIPPED_MODELS, backendNames, classify, generate, getBackend, loadModel, type SpmlModel } from './browser.js';

/** Generate text; the fields are those of generate()'s options, with the same defaults. */
export interface GenerateFields {
  kind?: 'generate';
  prompt: string;
  /** 64-bit seed; a string or bigint keeps all 64 bits. */
  seed?: number | string | bigint;
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
}

/** What the form shows first: the settings of `spml demo` (and `npm start`), so its hashes match. */
const DEMO = { prompt: 'Call me Ishmael. ', seed: 42, maxTokens: 80, temperature: 0.8 };

/** The order in which the page tries backends for its preselection: fastest first, cpu last. */
const PREFERENCE = ['webgpu', 'gpujs-webgl2', 'gpujs-webasm', 'cpu'];

/** Classify `count` images: `images` holds their pixels 0..255, row after row. */
export interface ClassifyFields<Bytes> {
  kind: 'classify';
  images: Bytes;
  count: number;
}

/** A shipped model by name, or a model file's bytes in base64. */
export type WebModel = { name: string } | { base64: string };

/** One case, as apps/web/chromium.ts passes it (bytes as base64). No model: the page's own. */
export type WebCase = { backend: string; model?: WebModel } & (GenerateFields | ClassifyFields<string>);

export interface WebResult {
  kind: 'generate' | 'classify';
  backend: string;
  /** The backend's own description: the WebGPU adapter, the gpu.js kernel class, … */
  description: string;
  /** navigator.userAgent: which browser ran the case. */
  userAgent: string;
  /** SHA-256 of the model file. */
  modelHash: string;
  outputHash: string;
  traceRoot: string;
  /** Generated tokens or images classified. */
  items: number;
  /** Leaves of the trace (layer outputs hashed into traceRoot), as generate() and classify() call it. */
  traceLength: number;
  ms: number;
  /** 0 for a classification. */
  tokensPerSecond: number;
  /** The generated text (generate only). */
  completion?: string;
  /** The predicted classes (classify only). */
  labels?: number[];
}

/** What the page shows, for tests and automation. */
export interface PageState {
  /** The backends the page offers, in order. */
  backends: string[];
  selected: string;
  output: string;
  status: string;
  error: boolean;
}

export interface SpmlPage {
  run(c: WebCase): Promise<WebResult>;
  /** Resolves with the backend the page preselected once it has probed this browser. */
  ready: Promise<string>;
  state(): PageState;
}

declare global {
  interface Window {
    spml: SpmlPage;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface ModelSource {
  /** Names the model for the cache of loaded models. */
  key: string;
  bytes: () => Promise<Uint8Array>;
}

/** The model the form runs: a same-origin URL or a picked file. */
let source: ModelSource = fromUrl('models/moby-gpt.spml');
const loaded = new Map<string, Promise<SpmlModel>>();

function fromUrl(url: string): ModelSource {
  return {
    key: `url:${url}`,
    bytes: async () => {
      const res = await fetch(new URL(url, document.baseURI));
      if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

/** A case's model: a shipped one from this origin, or its own bytes, keyed by their SHA-256. */
async function caseSource(m: WebModel | undefined): Promise<ModelSource> {
  if (!m) return source;
  if ('name' in m) {
    const file = SHIPPED_MODELS[m.name];
    if (!file) throw new Error(`no shipped model '${m.name}' (known: ${Object.keys(SHIPPED_MODELS).join(', ')})`);
    return fromUrl(`models/${file}`);
  }
  const bytes = fromBase64(m.base64);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return { key: `sha256:${hex}`, bytes: () => Promise.resolve(bytes) };
}

/** `src` on `backend`, loaded once per model and backend. */
function modelOn(src: ModelSource, backend: string): Promise<SpmlModel> {
  const key = `${src.key}|${backend}`;
  let m = loaded.get(key);
  if (!m) {
    m = src.bytes().then((b) => loadModel(b, { backend }));
    m.catch(() => loaded.delete(key));
    loaded.set(key, m);
  }
  return m;
}

function toSeed(seed: GenerateFields['seed']): bigint {
  return seed === undefined ? GENERATE_DEFAULTS.seed : typeof seed === 'bigint' ? seed : BigInt(seed);
}

/** Show the case in the form, so that the page says what produced its output. */
function fillForm(c: WebCase): void {
  $<HTMLSelectElement>('backend').value = c.backend;
  if (c.kind === 'classify') return;
  $<HTMLTextAreaElement>('prompt').value = c.prompt;
  $<HTMLInputElement>('seed').value = String(c.seed ?? GENERATE_DEFAULTS.seed);
  $<HTMLInputElement>('maxTokens').value = String(c.maxTokens ?? GENERATE_DEFAULTS.maxTokens);
  $<HTMLInputElement>('temperature').value = String(c.temperature ?? GENERATE_DEFAULTS.temperature);
}

/** Run a case and show it; on an error, clear the previous output so it is not taken for this run's. */
async function run(c: WebCase): Promise<WebResult> {
  try {
    return await runCase(c);
  } catch (e) {
    $('output').textContent = '';
    setStatus(`${c.backend}: ${e instanceof Error ? e.message : String(e)}`, true);
    throw e;
  }
}

async function runCase(c: WebCase): Promise<WebResult> {
  fillForm(c);
  setStatus(`running on ${c.backend}…`);
  const model = await modelOn(await caseSource(c.model), c.backend);
  const { description } = await getBackend(c.backend);
  const common = { backend: c.backend, description, userAgent: navigator.userAgent };
  let result: WebResult;
  let text: string;
  if (c.kind === 'classify') {
    const r = await classify(model, fromBase64(c.images), c.count, { keepTrace: true });
    result = { ...common, kind: 'classify', modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, traceLength: r.traceLeaves?.length ?? 0, items: c.count, ms: r.ms, tokensPerSecond: 0, labels: [...r.labels] };
    text = `labels: ${r.labels.join(' ')}`;
  } else {
    const r = await generate(model, c.prompt, { maxTokens: c.maxTokens, seed: toSeed(c.seed), temperature: c.temperature, topK: c.topK, topP: c.topP });
    result = { ...common, kind: 'generate', modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, traceLength: r.traceLength, items: r.tokens.length, ms: r.ms, tokensPerSecond: r.tokensPerSecond, completion: r.completion };
    text = r.text;
  }
  show(text, result);
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
    [r.kind === 'generate' ? r.tokensPerSecond.toFixed(1) : '—', false],
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
    .catch(() => undefined) // run() has shown the error and cleared the output
    .finally(() => (go.disabled = false));
});

/**
 * Offer every backend of the list, then select the first in PREFERENCE order that starts here
 * (a browser without WebGPU falls through to gpu.js, and cpu always starts). A backend that does
 * not start stays on the list, marked, so the visitor sees what this browser lacks.
 */
async function preselect(): Promise<string> {
  const select = $<HTMLSelectElement>('backend');
  const offered = backendNames('browser');
  select.replaceChildren(...offered.map((name) => new Option(name, name)));
  const order = [...PREFERENCE.filter((b) => offered.includes(b)), ...offered.filter((b) => !PREFERENCE.includes(b))];
  for (const name of order) {
    setStatus(`trying ${name}…`);
    try {
      await getBackend(name);
      select.value = name;
      setStatus(`ready: ${name}`);
      return name;
    } catch (e) {
      const option = Array.from(select.options).find((o) => o.value === name)!;
      option.textContent = `${name} (does not start here)`;
      option.title = e instanceof Error ? e.message : String(e);
    }
  }
  throw new Error('no backend starts in this browser');
}

function state(): PageState {
  const select = $<HTMLSelectElement>('backend');
  const status = $('status');
  return {
    backends: Array.from(select.options).map((o) => o.value),
    selected: select.value,
    output: $('output').textContent ?? '',
    status: status.textContent ?? '',
    error: status.className === 'error',
  };
}

fillForm({ backend: '', ...DEMO });
const ready = preselect();
ready.catch((e: unknown) => setStatus(String(e), true));
window.spml = { run, ready, state };
