/**
 * A straightforward GGUF v3 byte builder for tests, written from ggml docs/gguf.md independently of
 * engine/format/gguf_write.ts, so that the reader is checked against the spec and not only against
 * the writer.
 */
export class Bytes {
  private parts: number[] = [];
  get length() { return this.parts.length; }
  u8(v: number) { this.parts.push(v & 0xff); return this; }
  le(v: bigint, n: number) { for (let i = 0; i < n; i++) this.parts.push(Number((v >> BigInt(8 * i)) & 0xffn)); return this; }
  u32(v: number) { return this.le(BigInt(v >>> 0), 4); }
  u64(v: bigint | number) { return this.le(BigInt.asUintN(64, BigInt(v)), 8); }
  f32(v: number) { const b = new Uint8Array(new Float32Array([v]).buffer); b.forEach((x) => this.u8(x)); return this; }
  str(s: string) { const b = new TextEncoder().encode(s); this.u64(b.length); b.forEach((x) => this.u8(x)); return this; }
  raw(b: ArrayLike<number>) { for (let i = 0; i < b.length; i++) this.u8(b[i]!); return this; }
  pad(a: number) { while (this.parts.length % a) this.u8(0); return this; }
  done() { return Uint8Array.from(this.parts); }
}

/** Header: magic, version, tensor count, KV count. */
export const header = (nTensors: number | bigint, nKv: number | bigint, version = 3) =>
  new Bytes().raw([0x47, 0x47, 0x55, 0x46]).u32(version).u64(nTensors).u64(nKv);
