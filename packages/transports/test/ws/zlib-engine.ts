// The DEFLATE engine for the core's tests: the package's node:zlib adapter (src/ws/zlib.ts,
// the one the server runs), watched so a test can count the streams alive and the bytes
// zlib produced.
import type { DeflateEngine } from '../../src/ws/deflate.ts';
import { createZlibEngine } from '../../src/ws/zlib.ts';

export function testEngine(): DeflateEngine & { counts: { open: number; produced: number } } {
  const counts = { open: 0, produced: 0 };
  const engine = createZlibEngine({
    opened: () => counts.open++,
    closed: () => counts.open--,
    produced: (bytes) => (counts.produced += bytes),
  });
  return { ...engine, counts };
}
