/**
 * Function and host keys, kept where the real host keeps them (BlobStorageSecretsRepository): container
 * `azure-webjobs-secrets`, blob `{hostId}/host.json` (masterKey, functionKeys, systemKeys) and one
 * `{hostId}/{function}.json` ({keys}) per function, in the host's JSON format, unencrypted.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { HostError } from './coreApi';
import { statusOf } from './storage';

export const SECRETS_CONTAINER = 'azure-webjobs-secrets';

export interface SecretKey {
  name: string;
  value: string;
  encrypted: boolean;
}

interface ScriptSecretsBase {
  hostName: string | null;
  instanceId: string;
  source: string;
  decryptionKeyId: string;
}

export interface HostSecrets extends ScriptSecretsBase {
  masterKey: SecretKey;
  functionKeys: SecretKey[];
  systemKeys: SecretKey[];
}

export interface FunctionSecrets extends ScriptSecretsBase {
  keys: SecretKey[];
}

/** Authorization levels as the host computes them for a presented key. */
export type KeyLevel = 'admin' | 'function' | 'system';

export function generateKey(): string {
  // 40 random bytes, URL-safe (keys travel in `code=` query strings).
  return randomBytes(40).toString('base64url');
}

/** Constant-time comparison (hashes first so that length differences leak nothing either). */
export function keysEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

function anyMatch(keys: readonly SecretKey[], presented: string): boolean {
  let found = false;
  for (const k of keys) if (keysEqual(k.value, presented)) found = true; // no early exit
  return found;
}

export class SecretStore {
  private readonly container: ContainerClient;
  private host: HostSecrets | undefined;
  private readonly fns = new Map<string, FunctionSecrets>();
  private lastRefresh = 0;

  constructor(
    blobs: BlobServiceClient,
    readonly hostId: string,
    private readonly hostName: string,
  ) {
    this.container = blobs.getContainerClient(SECRETS_CONTAINER);
  }

  private hostPath(): string {
    return `${this.hostId}/host.json`;
  }

  private functionPath(name: string): string {
    return `${this.hostId}/${name.toLowerCase()}.json`;
  }

  private base(): ScriptSecretsBase {
    return { hostName: this.hostName, instanceId: randomBytes(16).toString('hex'), source: 'runtime', decryptionKeyId: '' };
  }

  /** Loads (or creates) host secrets and the secrets of each function. */
  async init(functionNames: readonly string[]): Promise<void> {
    await this.container.createIfNotExists();
    this.host = await this.readOrCreate<HostSecrets>(this.hostPath(), () => ({
      masterKey: { name: 'master', value: generateKey(), encrypted: false },
      functionKeys: [{ name: 'default', value: generateKey(), encrypted: false }],
      systemKeys: [],
      ...this.base(),
    }));
    for (const name of functionNames) {
      const s = await this.readOrCreate<FunctionSecrets>(this.functionPath(name), () => ({
        keys: [{ name: 'default', value: generateKey(), encrypted: false }],
        ...this.base(),
      }));
      this.fns.set(name.toLowerCase(), s);
    }
    this.lastRefresh = Date.now();
  }

  private async read<T>(path: string): Promise<{ doc: T; etag: string } | undefined> {
    const blob = this.container.getBlockBlobClient(path);
    try {
      const buf = await blob.downloadToBuffer();
      const props = await blob.getProperties();
      return { doc: JSON.parse(buf.toString('utf8')) as T, etag: props.etag! };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      if (err instanceof SyntaxError) throw new HostError('HOST_BAD_SECRETS', `Secrets blob ${path} is not valid JSON.`);
      throw err;
    }
  }

  private async readOrCreate<T>(path: string, create: () => T): Promise<T> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.read<T>(path);
      if (existing) return existing.doc;
      const doc = create();
      try {
        const body = JSON.stringify(doc, null, 2);
        await this.container.getBlockBlobClient(path).upload(body, Buffer.byteLength(body), {
          conditions: { ifNoneMatch: '*' },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
        return doc;
      } catch (err) {
        if (statusOf(err) !== 409 && statusOf(err) !== 412) throw err; // another host created it first: re-read
      }
    }
    throw new HostError('HOST_SECRETS_CONFLICT', `Could not create ${path} (concurrent writers).`);
  }

  private requireHost(): HostSecrets {
    if (!this.host) throw new HostError('HOST_SECRETS_NOT_LOADED', 'Secrets are not loaded yet.');
    return this.host;
  }

  masterKey(): string {
    return this.requireHost().masterKey.value;
  }

  hostFunctionKeys(): readonly SecretKey[] {
    return this.requireHost().functionKeys ?? [];
  }

  functionKeys(functionName: string): readonly SecretKey[] {
    return this.fns.get(functionName.toLowerCase())?.keys ?? [];
  }

  systemKeys(): readonly SecretKey[] {
    return this.requireHost().systemKeys ?? [];
  }

  /** A named system key, created (and persisted with an ETag condition) if absent. */
  async getSystemKey(name: string): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.read<HostSecrets>(this.hostPath());
      if (!cur) throw new HostError('HOST_SECRETS_MISSING', 'Host secrets disappeared from storage.');
      this.host = cur.doc;
      const found = (cur.doc.systemKeys ?? []).find((k) => k.name.toLowerCase() === name.toLowerCase());
      if (found) return found.value;
      const value = generateKey();
      const doc: HostSecrets = { ...cur.doc, systemKeys: [...(cur.doc.systemKeys ?? []), { name, value, encrypted: false }] };
      const body = JSON.stringify(doc, null, 2);
      try {
        await this.container.getBlockBlobClient(this.hostPath()).upload(body, Buffer.byteLength(body), {
          conditions: { ifMatch: cur.etag },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
        this.host = doc;
        return value;
      } catch (err) {
        if (statusOf(err) !== 412 && statusOf(err) !== 409) throw err;
      }
    }
    throw new HostError('HOST_SECRETS_CONFLICT', `Could not add system key ${name} (concurrent writers).`);
  }

  /** Re-reads the secrets blobs (so keys added by hand or by the CLI apply), at most once a second. */
  async refresh(): Promise<void> {
    if (Date.now() - this.lastRefresh < 1000) return;
    this.lastRefresh = Date.now();
    const h = await this.read<HostSecrets>(this.hostPath());
    if (h) this.host = h.doc;
    for (const name of [...this.fns.keys()]) {
      const f = await this.read<FunctionSecrets>(this.functionPath(name));
      if (f) this.fns.set(name, f.doc);
    }
  }

  /**
   * Levels a presented key grants: 'admin' (master key), 'function' (a host function key or a key of
   * `functionName`), 'system' (the system key `systemKeyName`, or any system key when it is undefined).
   */
  levelsFor(presented: string, functionName?: string, systemKeyName?: string): Set<KeyLevel> {
    const host = this.requireHost();
    const levels = new Set<KeyLevel>();
    if (keysEqual(host.masterKey.value, presented)) levels.add('admin');
    const fnKeys = functionName ? this.functionKeys(functionName) : [];
    if (anyMatch(host.functionKeys ?? [], presented) || anyMatch(fnKeys, presented)) levels.add('function');
    const sys = (host.systemKeys ?? []).filter((k) => !systemKeyName || k.name.toLowerCase() === systemKeyName.toLowerCase());
    if (anyMatch(sys, presented)) levels.add('system');
    return levels;
  }
}
