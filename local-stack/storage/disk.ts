import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ERRORS } from './errors.ts';

/** A body written to a temporary file, not yet an object: commit it or discard it. */
export interface ReceivedFile {
  tempPath: string;
  size: number;
  /** Hex MD5 of the bytes (the object's ETag, as S3 computes it for single uploads). */
  md5: string;
}

/** Counts and hashes bytes on their way to disk, and stops the stream past the limit. */
class Meter extends Transform {
  size = 0;
  private readonly hash = createHash('md5');

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      callback(ERRORS.entityTooLarge());
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Object bytes on disk, one file per object version under `<root>/objects/ab/<version>`. Names never come
 * from user input (an object's name lives only in its row), so no key can escape the folder, and a move is
 * a row update. Uploads land in `<root>/tmp` first (written, fsynced, then renamed into place), so a
 * reader never sees a partial file and an interrupted upload leaves nothing behind.
 */
export class DiskStore {
  private readonly objectsDir: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.objectsDir = path.join(root, 'objects');
    this.tmpDir = path.join(root, 'tmp');
  }

  /** Creates the folders and removes temporary files a crashed process left. */
  async init(): Promise<void> {
    await mkdir(this.objectsDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
    for (const entry of await readdir(this.tmpDir)) await rm(path.join(this.tmpDir, entry), { force: true });
  }

  pathOf(version: string): string {
    if (!/^[0-9a-f-]{36}$/.test(version)) throw new Error(`not an object version: ${version}`);
    return path.join(this.objectsDir, version.slice(0, 2), version);
  }

  /** Streams a body to a temporary file (at most `limit` bytes), fsynced before this resolves. */
  async receive(body: Readable, limit: number, signal?: AbortSignal): Promise<ReceivedFile> {
    const tempPath = path.join(this.tmpDir, randomUUID());
    const meter = new Meter(limit);
    try {
      await pipeline(body, meter, createWriteStream(tempPath, { flags: 'wx', flush: true }), { signal });
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    return { tempPath, size: meter.size, md5: meter.digest() };
  }

  /** Copies an object's bytes to a temporary file (for copy). */
  async duplicate(version: string): Promise<ReceivedFile & { md5: string }> {
    const tempPath = path.join(this.tmpDir, randomUUID());
    await copyFile(this.pathOf(version), tempPath);
    const handle = await open(tempPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const { size } = await stat(tempPath);
    return { tempPath, size, md5: '' };
  }

  /** Moves a received file into place as `version`, and makes the rename itself durable. */
  async commit(file: ReceivedFile, version: string): Promise<void> {
    const target = this.pathOf(version);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(file.tempPath, target);
    const folder = await open(path.dirname(target), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  async discard(file: ReceivedFile): Promise<void> {
    await rm(file.tempPath, { force: true });
  }

  async remove(version: string | null | undefined): Promise<void> {
    if (!version) return;
    await rm(this.pathOf(version), { force: true });
  }

  async size(version: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(version))).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Opens an object's bytes before the response starts, so a concurrent delete (which unlinks the file)
   * cannot cut a download short; undefined when the bytes are gone.
   */
  async open(version: string, range?: { start: number; end: number }): Promise<Readable | undefined> {
    try {
      const handle = await open(this.pathOf(version), 'r');
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
