/**
 * Hands out producer ids for InitProducerId, reserving them from the metadata store in blocks
 * (Kafka's ProducerIdManager), so ids stay unique across restarts without a write per producer.
 */
import type { MetadataStore } from '../metadata/metadata-store.js';

const BLOCK_SIZE = 1000;

export class ProducerIdManager {
  private next = 0;
  private end = 0;
  private pending: Promise<void> | undefined;

  constructor(private readonly metadata: MetadataStore) {}

  async nextId(): Promise<number> {
    while (this.next >= this.end) {
      this.pending ??= this.metadata.allocateProducerIds(BLOCK_SIZE).then((first) => {
        this.next = first;
        this.end = first + BLOCK_SIZE;
        this.pending = undefined;
      });
      await this.pending;
    }
    return this.next++;
  }
}
