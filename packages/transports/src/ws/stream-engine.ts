// An inflate-only DeflateEngine on the platform's DecompressionStream('deflate-raw'), for a
// browser (the docs' frame decoder): no zlib, no WebAssembly, nothing a page's CSP refuses.
//
// DecompressionStream has no Z_SYNC_FLUSH: it gives out everything only once its input is a
// whole DEFLATE stream. So each write inflates the stream's bytes so far, closed with an empty
// final block, in a fresh DecompressionStream, and hands out only the output that is new. The
// work grows with the square of the stream's length: fine for frames pasted into a page,
// never for a server (that one is node:zlib, ./zlib.ts).
import type { DeflateEngine, DeflateStream } from './deflate.ts';

// RFC 1951 3.2.4: a stored block with BFINAL set (bits 1, 00), padded to the byte, LEN 0, NLEN ffff.
const EMPTY_FINAL_BLOCK = new Uint8Array([0x01, 0x00, 0x00, 0xff, 0xff]);
const SYNC_TAIL = [0x00, 0x00, 0xff, 0xff];
// Bytes a sender may leave after its final block (padding): a few, never a message's worth.
const MAX_TRAILING_BYTES = 4;

async function inflateWhole(input: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([input]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function endsAligned(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 4 && SYNC_TAIL.every((b, i) => bytes[n - 4 + i] === b);
}

class StreamInflater implements DeflateStream {
  ended = false;
  private input = new Uint8Array(0);
  private given = 0;

  async write(input: Uint8Array, onOutput: (output: Uint8Array) => boolean): Promise<void> {
    if (this.ended) throw new Error('the DEFLATE stream has ended');
    this.input = join(this.input, input);
    let output = await this.final();
    if (output) this.ended = true;
    else {
      try {
        output = await inflateWhole(join(this.input, EMPTY_FINAL_BLOCK));
      } catch (err) {
        // Cut inside a block (a fragment of a message): its output comes with a later write.
        // Once the bytes end at a sync flush, the data itself is wrong.
        if (endsAligned(this.input)) throw err;
        return;
      }
    }
    if (output.length > this.given) onOutput(output.subarray(this.given));
    this.given = output.length;
  }

  /**
   * The output when the bytes so far hold a block with BFINAL set, else null. Bytes after that
   * block (7.2.3.3's example ends with a padding byte) are refused as junk by Node 24 and
   * current browsers, so a stream that is not whole as it is is tried without its last few.
   */
  private async final(): Promise<Uint8Array | null> {
    for (let drop = 0; drop <= Math.min(MAX_TRAILING_BYTES, this.input.length - 1); drop++) {
      try {
        return await inflateWhole(this.input.slice(0, this.input.length - drop));
      } catch {
        // not whole without these bytes either
      }
    }
    return null;
  }

  close(): void {
    this.input = new Uint8Array(0);
  }
}

/** Inflates with DecompressionStream('deflate-raw'); it cannot compress (createDeflate throws). */
export const decompressionStreamEngine: DeflateEngine = {
  createDeflate: () => {
    throw new Error('decompressionStreamEngine only inflates');
  },
  createInflate: () => new StreamInflater(),
};
