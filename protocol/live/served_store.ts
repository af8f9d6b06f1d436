/**
 * What a server node must remember of every request it answered, so that it can still attest the
 * request, open its trace and reveal its layers when a dispute comes (paper §3.2 step 7), also after
 * a crash: a node killed mid-round and restarted from the same state directory answers as before.
 *
 * MemoryServedStore keeps records in memory (in-process networks); FileServedStore appends each one
 * as a JSON line to `<dir>/served.jsonl` and fsyncs it before the node replies, so a response that
 * left the node is always on disk. A torn last line (a crash during the write) is ignored on open:
 * its response was never sent.
 */
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceRequest, InferenceResponse } from '../messages/types.js';
import type { WireLeaf } from '../transport/rpc.js';

export interface ServedRecord {
  readonly request: InferenceRequest;
  readonly response: InferenceResponse;
  readonly leaves: readonly WireLeaf[];
  /** The hash of the model the node really ran (differs from the request's for a substituting node). */
  readonly ranModel: string;
}

export interface ServedStore {
  get(requestId: string): ServedRecord | undefined;
  put(record: ServedRecord): void;
}

export class MemoryServedStore implements ServedStore {
  private readonly records = new Map<string, ServedRecord>();
  get(requestId: string): ServedRecord | undefined {
    return this.records.get(requestId);
  }
  put(record: ServedRecord): void {
    this.records.set(record.request.requestId, record);
  }
}

export class FileServedStore extends MemoryServedStore {
  private readonly path: string;

  constructor(dir: string) {
    super();
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'served.jsonl');
    if (!existsSync(this.path)) return;
    const text = readFileSync(this.path, 'utf8');
    // End a torn last line, so the next record starts on a line of its own.
    if (text !== '' && !text.endsWith('\n')) appendFileSync(this.path, '\n');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        super.put(JSON.parse(line) as ServedRecord);
      } catch {
        // A torn line from a crash mid-write: its reply was never sent, so nobody holds it.
      }
    }
  }

  override put(record: ServedRecord): void {
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, JSON.stringify(record) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    super.put(record);
  }
}
