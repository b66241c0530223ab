import { constants } from 'node:fs';
import { FileHandle, open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

/** One file to put in an archive. */
export interface ZipSource {
  /** Absolute path on disk. */
  path: string;
  /** Name inside the archive, `/`-separated. */
  name: string;
  /** Size from the listing: decides whether the file is compressed in memory or streamed. */
  size: number;
}

export interface ZipOptions {
  /** zlib level, 0 (store everything) to 9. */
  level: number;
}

/**
 * Suffixes of formats that are compressed already: deflating them again costs CPU and saves
 * nothing, so they are stored as they are.
 */
const COMPRESSED_SUFFIXES = [
  '.zip',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.zst',
  '.7z',
  '.rar',
  '.jar',
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
  '.mp3',
  '.mp4',
  '.ogg',
  '.wav.gz',
  '.woff',
  '.woff2',
  '.pdf',
];

export function isAlreadyCompressed(name: string): boolean {
  const lower = name.toLowerCase();
  return COMPRESSED_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** Files up to this size are read and compressed whole, several at once; larger ones are streamed. */
const IN_MEMORY_LIMIT = 4 * 1024 * 1024;
/**
 * How many files are read and compressed at once: one per core, so deflating uses the machine
 * without starving the event loop of CPU (and memory stays within a few times IN_MEMORY_LIMIT).
 */
const READ_AHEAD = Math.min(4, Math.max(2, availableParallelism()));
/** Streamed entries above this use ZIP64 sizes; leaves room for deflate's worst-case growth. */
const ZIP64_SIZE_THRESHOLD = 0xf000_0000;
const MAX_32 = 0xffff_ffff;
const MAX_16 = 0xffff;

const STORED = 0;
const DEFLATED = 8;
const FLAG_UTF8 = 0x0800;
const FLAG_DATA_DESCRIPTOR = 0x0008;
/** Made by: Unix (so external attributes carry the mode), spec version 4.5 (ZIP64). */
const VERSION_MADE_BY = (3 << 8) | 45;
const REGULAR_FILE_MODE = 0o100644;

const deflateRaw = promisify(zlib.deflateRaw);

interface CentralEntry {
  name: Buffer;
  method: number;
  flags: number;
  dosTime: number;
  dosDate: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

interface InMemoryEntry {
  kind: 'in-memory';
  source: ZipSource;
  method: number;
  crc: number;
  data: Buffer;
  size: number;
  mtime: Date;
}

interface StreamedEntry {
  kind: 'streamed';
  source: ZipSource;
}

/**
 * Writes a zip of `sources` to `target`. Compression and checksums run in libuv's thread pool
 * (zlib's asynchronous API), several small files at a time, so the event loop only assembles
 * headers and both cores can deflate. Memory stays bounded: small files are held at most
 * READ_AHEAD at a time, large ones are streamed. Already-compressed files are stored.
 */
export async function writeZip(target: string, sources: ZipSource[], options: ZipOptions): Promise<void> {
  const output = await open(target, 'w', 0o600);
  try {
    const writer = new ZipWriter(output, options.level);
    const queue: Promise<InMemoryEntry | StreamedEntry>[] = [];
    let next = 0;
    const fill = () => {
      while (queue.length < READ_AHEAD && next < sources.length) {
        const source = sources[next++];
        const prepared =
          source.size <= IN_MEMORY_LIMIT
            ? readAndCompress(source, options.level)
            : Promise.resolve<StreamedEntry>({ kind: 'streamed', source });
        // Awaited in order below; this keeps an early failure from being reported as unhandled.
        prepared.catch(() => undefined);
        queue.push(prepared);
      }
    };
    fill();
    while (queue.length > 0) {
      const entry = await queue.shift()!;
      fill();
      if (entry.kind === 'in-memory') await writer.addInMemory(entry);
      else await writer.addStreamed(entry.source);
    }
    await writer.finish();
  } finally {
    await output.close();
  }
}

function compressionFor(name: string, level: number): boolean {
  return level > 0 && !isAlreadyCompressed(name);
}

async function readAndCompress(source: ZipSource, level: number): Promise<InMemoryEntry> {
  const input = await openRegularFile(source.path);
  try {
    const mtime = (await input.stat()).mtime;
    const content = await input.readFile();
    const crc = zlib.crc32(content);
    if (compressionFor(source.name, level)) {
      const deflated = await deflateRaw(content, { level });
      // Like Info-ZIP: an entry that would grow is stored instead.
      if (deflated.length < content.length) {
        return {
          kind: 'in-memory',
          source,
          method: DEFLATED,
          crc,
          data: deflated,
          size: content.length,
          mtime,
        };
      }
    }
    return { kind: 'in-memory', source, method: STORED, crc, data: content, size: content.length, mtime };
  } finally {
    await input.close();
  }
}

/** Symbolic links are refused: the listing has only regular files, and a swapped-in link could leave the folder. */
function openRegularFile(file: string): Promise<FileHandle> {
  return open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
}

class ZipWriter {
  private readonly entries: CentralEntry[] = [];
  private position = 0;

  constructor(
    private readonly output: FileHandle,
    private readonly level: number,
  ) {}

  async addInMemory(entry: InMemoryEntry): Promise<void> {
    const { dosTime, dosDate } = toDosDateTime(entry.mtime);
    const central: CentralEntry = {
      name: Buffer.from(entry.source.name, 'utf8'),
      method: entry.method,
      flags: FLAG_UTF8,
      dosTime,
      dosDate,
      crc: entry.crc,
      compressedSize: entry.data.length,
      size: entry.size,
      offset: this.position,
    };
    await this.write(localHeader(central, false), entry.data);
    this.entries.push(central);
  }

  /** A large file: deflated as a stream, its checksum and sizes follow in a data descriptor. */
  async addStreamed(source: ZipSource): Promise<void> {
    const input = await openRegularFile(source.path);
    try {
      const info = await input.stat();
      const { dosTime, dosDate } = toDosDateTime(info.mtime);
      const zip64 = info.size >= ZIP64_SIZE_THRESHOLD;
      const central: CentralEntry = {
        name: Buffer.from(source.name, 'utf8'),
        method: compressionFor(source.name, this.level) ? DEFLATED : STORED,
        flags: FLAG_UTF8 | FLAG_DATA_DESCRIPTOR,
        dosTime,
        dosDate,
        crc: 0,
        compressedSize: 0,
        size: 0,
        offset: this.position,
      };
      await this.write(localHeader(central, zip64));
      let crc = 0;
      const checksum = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          crc = zlib.crc32(chunk, crc);
          central.size += chunk.length;
          done(null, chunk);
        },
      });
      const content = input.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false });
      const sink = async (data: AsyncIterable<Buffer>) => {
        for await (const chunk of data) {
          await this.write(chunk);
          central.compressedSize += chunk.length;
        }
      };
      if (central.method === DEFLATED) {
        await pipeline(content, checksum, zlib.createDeflateRaw({ level: this.level }), sink);
      } else {
        await pipeline(content, checksum, sink);
      }
      central.crc = crc;
      await this.write(dataDescriptor(central, zip64));
      this.entries.push(central);
    } finally {
      await input.close();
    }
  }

  async finish(): Promise<void> {
    const directoryOffset = this.position;
    const headers = this.entries.map(centralHeader);
    const directorySize = headers.reduce((sum, header) => sum + header.length, 0);
    const count = this.entries.length;
    const tail: Buffer[] = [];
    if (count >= MAX_16 || directoryOffset >= MAX_32 || directorySize >= MAX_32) {
      const zip64End = directoryOffset + directorySize;
      tail.push(zip64EndOfDirectory(count, directorySize, directoryOffset), zip64Locator(zip64End));
    }
    tail.push(endOfDirectory(count, directorySize, directoryOffset));
    await this.write(...headers, ...tail);
  }

  private async write(...buffers: Buffer[]): Promise<void> {
    let length = 0;
    for (const buffer of buffers) length += buffer.length;
    let written = 0;
    while (written < length) {
      const pending = written === 0 ? buffers : [Buffer.concat(buffers).subarray(written)];
      const { bytesWritten } = await this.output.writev(pending, this.position + written);
      written += bytesWritten;
    }
    this.position += length;
  }
}

function localHeader(entry: CentralEntry, zip64: boolean): Buffer {
  const extra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
  if (zip64) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(16, 2); // sizes follow in the data descriptor
  }
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(zip64 ? 45 : 20, 4);
  header.writeUInt16LE(entry.flags, 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(entry.dosTime, 10);
  header.writeUInt16LE(entry.dosDate, 12);
  header.writeUInt32LE(entry.crc, 14);
  header.writeUInt32LE(zip64 ? MAX_32 : entry.compressedSize, 18);
  header.writeUInt32LE(zip64 ? MAX_32 : entry.size, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, entry.name, extra]);
}

function dataDescriptor(entry: CentralEntry, zip64: boolean): Buffer {
  const descriptor = Buffer.alloc(zip64 ? 24 : 16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(entry.crc, 4);
  if (zip64) {
    descriptor.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
    descriptor.writeBigUInt64LE(BigInt(entry.size), 16);
  } else {
    descriptor.writeUInt32LE(entry.compressedSize, 8);
    descriptor.writeUInt32LE(entry.size, 12);
  }
  return descriptor;
}

function centralHeader(entry: CentralEntry): Buffer {
  // ZIP64 extra: only the fields that do not fit, in this order.
  const large = [entry.size, entry.compressedSize, entry.offset].map((value) => value >= MAX_32);
  const wide = [entry.size, entry.compressedSize, entry.offset].filter((_, i) => large[i]);
  const extra = Buffer.alloc(wide.length > 0 ? 4 + 8 * wide.length : 0);
  if (wide.length > 0) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(8 * wide.length, 2);
    wide.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * i));
  }
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(VERSION_MADE_BY, 4);
  header.writeUInt16LE(wide.length > 0 ? 45 : 20, 6);
  header.writeUInt16LE(entry.flags, 8);
  header.writeUInt16LE(entry.method, 10);
  header.writeUInt16LE(entry.dosTime, 12);
  header.writeUInt16LE(entry.dosDate, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(large[1] ? MAX_32 : entry.compressedSize, 20);
  header.writeUInt32LE(large[0] ? MAX_32 : entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  // comment length, disk number, internal attributes: 0
  header.writeUInt32LE((REGULAR_FILE_MODE << 16) >>> 0, 38);
  header.writeUInt32LE(large[2] ? MAX_32 : entry.offset, 42);
  return Buffer.concat([header, entry.name, extra]);
}

function zip64EndOfDirectory(count: number, size: number, offset: number): Buffer {
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(VERSION_MADE_BY, 12);
  record.writeUInt16LE(45, 14);
  // this disk, directory's disk: 0
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  return record;
}

function zip64Locator(zip64EndOffset: number): Buffer {
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
  locator.writeUInt32LE(1, 16);
  return locator;
}

function endOfDirectory(count: number, size: number, offset: number): Buffer {
  const record = Buffer.alloc(22);
  record.writeUInt32LE(0x06054b50, 0);
  record.writeUInt16LE(Math.min(count, MAX_16), 8);
  record.writeUInt16LE(Math.min(count, MAX_16), 10);
  record.writeUInt32LE(Math.min(size, MAX_32), 12);
  record.writeUInt32LE(Math.min(offset, MAX_32), 16);
  return record;
}

/** MS-DOS date and time, in local time as zip tools expect; years before 1980 are clamped. */
function toDosDateTime(date: Date): { dosTime: number; dosDate: number } {
  const year = Math.max(date.getFullYear(), 1980);
  return {
    dosTime: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    dosDate: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}
