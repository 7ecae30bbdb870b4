/**
 * Storage seam for the dynamic queue: a versioned blob with compare-and-swap. A Kubernetes ConfigMap implements it
 * with `resourceVersion` (replace with a stale resourceVersion → 409 → false); the in-memory store below serves tests
 * and benches. The methods are async because every real backend is remote.
 */
import type { QueueState } from './queue-state.js';

export interface Versioned<T> {
  /** null when the queue has not been created yet. */
  readonly state: T | null;
  /** Opaque version; '' when the state does not exist. */
  readonly version: string;
}

export interface QueueStore {
  read(): Promise<Versioned<QueueState>>;
  /**
   * Writes `state` if the stored version is still `version` ('' = create if absent). Returns false on a conflict
   * (someone wrote in between); throws only for real failures (network, permissions).
   */
  compareAndSwap(state: QueueState, version: string): Promise<boolean>;
}

/**
 * In-memory store. States are copied through JSON on the way in and out, as a remote store would, so a caller that
 * mutates what it read cannot corrupt the stored state, and anything that does not survive JSON fails here first.
 */
export class InMemoryQueueStore implements QueueStore {
  private json: string | null = null;
  private version = 0;
  /** Counters for tests and benches. */
  reads = 0;
  writes = 0;
  conflicts = 0;

  read(): Promise<Versioned<QueueState>> {
    this.reads++;
    return Promise.resolve(
      this.json === null
        ? { state: null, version: '' }
        : { state: JSON.parse(this.json) as QueueState, version: String(this.version) },
    );
  }

  compareAndSwap(state: QueueState, version: string): Promise<boolean> {
    const current = this.json === null ? '' : String(this.version);
    if (version !== current) {
      this.conflicts++;
      return Promise.resolve(false);
    }
    this.json = JSON.stringify(state);
    this.version++;
    this.writes++;
    return Promise.resolve(true);
  }
}
