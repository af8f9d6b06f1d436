const { GPU } = require('gpu.js');
const gpu = new GPU({ mode: process.argv[2] });
gpu.addFunction(`function hi16(s) { return Math.floor(s * 0.0000152587890625); }`);
gpu.addFunction(`function lo16(s) { return s - Math.floor(s * 0.0000152587890625) * 65536; }`);
const src = `function (a, b, K, N) {
  const t = this.thread.x;
  const limb = t - Math.floor(t * 0.5) * 2;
  const e = Math.floor(t * 0.5);
  const i = Math.floor(e / N); const j = e - i * N;
  let s = 0;
  for (let k = 0; k < K; k++) { s += a[i * K + k] * b[k * N + j]; }
  if (limb == 0) { return hi16(s); }
  return lo16(s);
}`;
const k = gpu.createKernel(src, { dynamicOutput: true, dynamicArguments: true, loopMaxIterations: 2048, precision: 'single', tactic: 'precision' });
for (const [M,K,N] of [[2,3,4],[3,1024,5],[7,1000,3]]) {
  k.setOutput([N*M*2]);
  const a = new Float32Array(M*K).fill(-128), b = new Float32Array(K*N).fill(-128);
  a[0] = 7;
  const r = k(a, b, K, N);
  console.log(M,K,N, gpu.Kernel.name, k.kernel ? k.kernel.fallbackReason : '', r.constructor.name, JSON.stringify(Array.from(r.slice(0,8))), JSON.stringify(Array.from(r.slice(-4))));
}
