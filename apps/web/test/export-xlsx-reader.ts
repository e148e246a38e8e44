// The spreadsheet export read back as a spreadsheet program would: unzip the .xlsx (node:zlib),
// find each sheet by its name in the workbook, and read its cells. Shared by the export's unit
// test and its Chromium download test.
import { inflateRawSync } from 'node:zlib';

export type Cell = string | number | boolean | null;

/** The files of a zip archive, by name (central directory, stored or deflated entries). */
export function unzip(zip: Buffer): Map<string, string> {
  const files = new Map<string, string>();
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive');
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    files.set(name, (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
  }
  return files;
}

const xmlText = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Sheet name → rows of cell values (strings as strings, numbers as numbers, booleans as booleans). */
export function readWorkbook(files: Map<string, string>): Map<string, Cell[][]> {
  const shared = [...(files.get('xl/sharedStrings.xml') ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) =>
    xmlText([...m[1]!.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')),
  );
  const rels = new Map([...files.get('xl/_rels/workbook.xml.rels')!.matchAll(/<Relationship [^>]*Id="([^"]+)"[^>]*Target="([^"]+)"/g)].map((m) => [m[1]!, m[2]!]));
  const out = new Map<string, Cell[][]>();
  for (const sheet of files.get('xl/workbook.xml')!.matchAll(/<sheet ([^>]*)\/?>/g)) {
    const m = [sheet[0], /name="([^"]+)"/.exec(sheet[1]!)![1]!, /r:id="([^"]+)"/.exec(sheet[1]!)![1]!];
    const xml = files.get(`xl/${rels.get(m[2]!)!.replace(/^\/?xl\//, '')}`)!;
    const rows = [...xml.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)].map((row) => {
      const cells: Cell[] = [];
      for (const c of row[1]!.matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        const column = [...c[1]!].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
        const type = /t="([^"]+)"/.exec(c[2]!)?.[1];
        const body = c[3] ?? '';
        if (/<f[ >]/.test(body)) throw new Error(`a formula in ${m[1]} ${c[1]}: ${body}`);
        const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
        cells[column] =
          type === 's' ? shared[Number(v)]!
          : type === 'inlineStr' ? xmlText(/<t[^>]*>([\s\S]*?)<\/t>/.exec(body)?.[1] ?? '')
          : type === 'str' ? xmlText(v ?? '')
          : type === 'b' ? v === '1'
          : v === undefined ? null
          : Number(v);
      }
      return cells;
    });
    out.set(xmlText(m[1]!), rows);
  }
  return out;
}
