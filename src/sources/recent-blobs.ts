/**
 * File versions read (or rebuilt) lately in a history scan, by blob id, so that the next older
 * commit of the same file can rebuild its old version from them (see deriveOldBlob) instead of
 * asking git. Bounded by bytes, least recently used first out; a version is only held here while
 * it is likely to be the next one's new side, which a small window covers.
 */
export class RecentBlobs {
  private readonly entries = new Map<string, { bytes: Promise<Buffer | null>; size: number }>();
  private size = 0;

  constructor(private readonly capacityBytes = 4 * 1024 * 1024) {}

  /** The version with this id if it is held (or being read), refreshed as recently used. */
  get(id: string): Promise<Buffer | null> | null {
    const entry = this.entries.get(id);
    if (!entry) return null;
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.bytes;
  }

  /** Holds `bytes` under `id` once it is read; a failed or empty read is not held. */
  remember(id: string, bytes: Promise<Buffer | null>): void {
    if (this.entries.has(id)) return;
    const entry = { bytes, size: 0 };
    this.entries.set(id, entry);
    bytes.then(
      (value) => {
        if (this.entries.get(id) !== entry) return;
        if (value === null || value.length > this.capacityBytes) {
          this.entries.delete(id);
          return;
        }
        entry.size = value.length;
        this.size += value.length;
        this.evict();
      },
      () => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      },
    );
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.size <= this.capacityBytes) return;
      this.entries.delete(id);
      this.size -= entry.size;
    }
  }
}
