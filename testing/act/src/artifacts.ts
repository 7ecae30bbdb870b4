/**
 * TEST ONLY. Reads back what a run uploaded to act's artifact server, as a user downloading the artifact would see
 * it: the artifact's zip (act stores each upload under <artifact dir>/<run id>/<artifact name>/) unpacked in
 * memory. A small zip reader (central directory, stored and deflated entries) rather than a dependency: the uploads
 * are the upload stand-in's own zips of a few files.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { WorkflowRunHandle } from './harness.js';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Far above any test artifact; a larger entry is refused, never inflated. */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** The files of a zip archive, by path inside it. */
export function unzip(zip: Buffer): Map<string, Buffer> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--)
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`zip central directory entry ${n} is malformed`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (size > MAX_ENTRY_BYTES) throw new Error(`zip entry ${name} is ${size} bytes, above the reader's limit`);
    if (zip.readUInt32LE(local) !== LOCAL) throw new Error(`zip entry ${name}: no local header`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    if (method === 0) files.set(name, Buffer.from(data));
    else if (method === 8) files.set(name, inflateRawSync(data, { maxOutputLength: MAX_ENTRY_BYTES }));
    else throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
  }
  return files;
}

/** The files of the artifact `name` that the run uploaded (every attempt's upload of that name, merged). */
export async function readArtifact(run: WorkflowRunHandle, name: string): Promise<Map<string, Buffer>> {
  const dir = path.join(run.artifactDir, String(run.id), name);
  const stored = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => {
    throw new Error(`run ${run.id} uploaded no artifact ${JSON.stringify(name)} (nothing in ${dir})`);
  });
  const files = new Map<string, Buffer>();
  for (const entry of stored) {
    if (!entry.isFile()) continue;
    const bytes = await readFile(path.join(entry.parentPath, entry.name));
    if (bytes.length >= 4 && bytes.readUInt32LE(0) === LOCAL) for (const [k, v] of unzip(bytes)) files.set(k, v);
    else files.set(path.relative(dir, path.join(entry.parentPath, entry.name)), bytes);
  }
  if (files.size === 0) throw new Error(`run ${run.id}'s artifact ${JSON.stringify(name)} holds no file`);
  return files;
}
