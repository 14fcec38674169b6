import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The emulator's state: named collections of JSON records, in memory and (with a folder) on disk, so a
 * restarted emulator serves the same workspace, jobs and operations. Every write lands synchronously
 * through a temp file and a rename: a SIGKILL leaves the previous or the new state, never half of one.
 * Keys are case-insensitive (ARM names are).
 */
export class StateStore {
  private readonly data = new Map<string, Map<string, unknown>>();
  private readonly file?: string;

  constructor(dir?: string) {
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'state.json');
    if (fs.existsSync(this.file)) {
      const doc = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, Record<string, unknown>>;
      for (const [coll, records] of Object.entries(doc)) this.data.set(coll, new Map(Object.entries(records)));
    }
  }

  get<T>(collection: string, key: string): T | undefined {
    return this.data.get(collection)?.get(key.toLowerCase()) as T | undefined;
  }

  put<T>(collection: string, key: string, value: T): T {
    let coll = this.data.get(collection);
    if (!coll) this.data.set(collection, (coll = new Map()));
    coll.set(key.toLowerCase(), value);
    this.flush();
    return value;
  }

  /** Read-modify-write of one record (synchronous, so no other request interleaves). */
  update<T>(collection: string, key: string, fn: (cur: T | undefined) => T): T {
    return this.put(collection, key, fn(this.get<T>(collection, key)));
  }

  delete(collection: string, key: string): boolean {
    const ok = this.data.get(collection)?.delete(key.toLowerCase()) ?? false;
    if (ok) this.flush();
    return ok;
  }

  /** Records whose key starts with `prefix` (case-insensitive), in insertion order. */
  list<T>(collection: string, prefix = ''): T[] {
    const p = prefix.toLowerCase();
    return [...(this.data.get(collection)?.entries() ?? [])].filter(([k]) => k.startsWith(p)).map(([, v]) => v as T);
  }

  private flush(): void {
    if (!this.file) return;
    const doc: Record<string, Record<string, unknown>> = {};
    for (const [coll, records] of this.data) doc[coll] = Object.fromEntries(records);
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(doc));
    fs.renameSync(tmp, this.file);
  }
}
