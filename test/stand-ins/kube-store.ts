// Stand-in API server storage: objects by resource, one cluster-wide resourceVersion, and a watch history with compaction.
//
// Like etcd behind a real API server: every write bumps the global revision and becomes a watch event; a watch from
// a revision older than the retained history gets "410 Gone" (an ERROR event with code 410, reason Expired).
import { randomUUID } from 'node:crypto';

export type KubeObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string; uid?: string };
};

export interface StoredEvent {
  revision: number;
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

type Listener = (event: StoredEvent) => void;

const clone = <T>(value: T): T => structuredClone(value);

export class KubeStore {
  private revision = 1000;
  private readonly objects = new Map<string, KubeObject>();
  private history: StoredEvent[] = [];
  /** Revisions at or below this were compacted away: watching from them answers 410. */
  private compactedThrough = 1000;
  private readonly listeners = new Set<Listener>();

  get currentRevision(): number {
    return this.revision;
  }

  get oldestWatchable(): number {
    return this.compactedThrough;
  }

  private key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(this.key(resource, namespace, name));
    return found ? clone(found) : undefined;
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${resource}/` : `${resource}/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => clone(object));
  }

  /** Creates (uid, creationTimestamp, resourceVersion set like the API server does); throws when it exists. */
  create(resource: string, object: KubeObject): KubeObject {
    const { namespace, name } = object.metadata;
    const key = this.key(resource, namespace, name);
    if (this.objects.has(key)) throw new Error('AlreadyExists');
    const stored = clone(object);
    stored.metadata.uid ??= randomUUID();
    stored.metadata['creationTimestamp'] ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return this.write(resource, key, stored, 'ADDED');
  }

  /** Replaces an existing object with a new revision. */
  update(resource: string, object: KubeObject): KubeObject {
    const key = this.key(resource, object.metadata.namespace, object.metadata.name);
    if (!this.objects.has(key)) throw new Error('NotFound');
    return this.write(resource, key, clone(object), 'MODIFIED');
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = this.key(resource, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.objects.delete(key);
    this.revision += 1;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.revision);
    this.emit({ revision: this.revision, resource, type: 'DELETED', object: gone });
    return clone(gone);
  }

  /** Events of this resource after `since`, or 'expired' when that revision was compacted. */
  eventsSince(resource: string, since: number): StoredEvent[] | 'expired' {
    if (since < this.compactedThrough) return 'expired';
    return this.history.filter((event) => event.resource === resource && event.revision > since).map(clone);
  }

  /** Drops the watch history up to the current revision, as etcd compaction does. */
  compact(): void {
    this.compactedThrough = this.revision;
    this.history = [];
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(resource: string, key: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    this.revision += 1;
    object.metadata.resourceVersion = String(this.revision);
    this.objects.set(key, object);
    this.emit({ revision: this.revision, resource, type, object: clone(object) });
    return clone(object);
  }

  private emit(event: StoredEvent): void {
    this.history.push(event);
    for (const listener of this.listeners) listener(clone(event));
  }
}
