import { open } from 'node:fs/promises';

const POLL_MS = 250;
const CHUNK_BYTES = 64 * 1024;

/**
 * Yields a file's contents, then, while `stillWriting()` says so, what is appended to it. The file
 * may not exist yet (a pending job has no log): it then yields nothing until it appears.
 */
export async function* followFile(
  file: string,
  stillWriting: () => Promise<boolean>,
): AsyncGenerator<Buffer> {
  let position = 0;
  const handle = await waitForFile(file, stillWriting);
  if (!handle) return;
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      // Decide before reading, so the last bytes written before the end are still read.
      const writing = await stillWriting();
      let bytesRead: number;
      do {
        ({ bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position));
        position += bytesRead;
        if (bytesRead > 0) yield Buffer.from(buffer.subarray(0, bytesRead));
      } while (bytesRead > 0);
      if (!writing) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await handle.close();
  }
}

async function waitForFile(file: string, stillWriting: () => Promise<boolean>) {
  for (;;) {
    const writing = await stillWriting();
    const handle = await open(file, 'r').catch(() => null);
    if (handle || !writing) return handle;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
