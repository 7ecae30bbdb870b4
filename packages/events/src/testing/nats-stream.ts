/**
 * Test set-up (test-only): a JetStream stream that stores some subjects, for probes that read back what the broker
 * stored. A user's streams are theirs; the product never creates one.
 */
export async function ensureNatsStream(
  url: string,
  name: string,
  subjects: readonly string[],
  storage: 'file' | 'memory' = 'file',
): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager, StorageType } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name,
      subjects: [...subjects],
      storage: storage === 'file' ? StorageType.File : StorageType.Memory,
    });
  } finally {
    await nc.close();
  }
}
