// The Docs view's pure pieces, in Node: the handshake math against the server's, the frame
// explanation against the RFC's §5.7 examples, and every link of every chapter.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RFC_GUID, computeAcceptSteps, sha1, toHex } from '../apps/web/src/features/docs/handshake-math.ts';
import { explain, inflateFrames, parseHex } from '../apps/web/src/features/docs/frame-explain.ts';
import { CHAPTERS, pickLanguage, renderChapter, rewriteHref, type DocsLanguage } from '../apps/web/src/features/docs/markdown.ts';
import { hexBytes } from '../apps/web/src/features/docs/frame-explain.ts';
import { WS_GUID, acceptSteps } from '../packages/transports/src/ws/handshake.ts';

describe('handshake calculator math', () => {
  it('uses the server\'s GUID', () => {
    expect(RFC_GUID).toBe(WS_GUID);
  });

  it('1.3 the RFC key gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=, with crypto.subtle and with the fallback', async () => {
    const withSubtle = await computeAcceptSteps('dGhlIHNhbXBsZSBub25jZQ==', globalThis.crypto.subtle);
    const fallback = await computeAcceptSteps('dGhlIHNhbXBsZSBub25jZQ==', null);
    expect(withSubtle).toMatchObject({ accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', via: 'crypto.subtle' });
    expect(fallback).toMatchObject({ accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', via: 'fallback', sha1Hex: 'b37a4f2cc0624f1690f64606cf385945b2bec4ea' });
  });

  it('the fallback SHA-1 equals node:crypto at every padding boundary', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 200]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(toHex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
    }
  });

  it('agrees with the server for other keys', async () => {
    for (const key of ['AQIDBAUGBwgJCgsMDQ4PEA==', 'x3JJHMbDL1EzLkh9GBhXDw==']) {
      expect((await computeAcceptSteps(key, null)).accept).toBe(acceptSteps(key).accept);
    }
  });
});

describe('frame decoder widget model', () => {
  it('5.7 unmasked "Hello", decoded as a client would', () => {
    const r = explain('81 05 48 65 6c 6c 6f', 'auto');
    expect(r.role).toBe('client');
    expect(r.error).toBeNull();
    expect(r.frames).toHaveLength(1);
    expect(r.frames[0]).toMatchObject({ opcodeName: 'TEXT', text: 'Hello' });
    expect(r.frames[0]!.frame).toMatchObject({ fin: true, masked: false, lengthForm: 7, payloadLength: 5 });
  });

  it('5.7 masked "Hello", decoded as the server would, mask and wire bytes shown', () => {
    const r = explain('0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58', 'auto');
    expect(r.role).toBe('server');
    const f = r.frames[0]!;
    expect(f.text).toBe('Hello');
    expect(Array.from(f.frame.maskKey!)).toEqual([0x37, 0xfa, 0x21, 0x3d]);
    expect(Array.from(f.frame.wirePayload!)).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('5.7 fragments, a close code and an incomplete frame', () => {
    const frag = explain('01 03 48 65 6c 80 02 6c 6f', 'client');
    expect(frag.frames.map((f) => [f.opcodeName, f.frame.fin, f.text])).toEqual([['TEXT', false, 'Hel'], ['CONTINUATION', true, 'lo']]);
    expect(explain('88 02 03 e8', 'client').frames[0]).toMatchObject({ opcodeName: 'CLOSE', closeCode: 1000 });
    expect(explain('82 7e 01 00', 'client')).toMatchObject({ frames: [], state: 'PAYLOAD' });
  });

  it('reports protocol errors with their close code', () => {
    expect(explain('81 05 48 65 6c 6c 6f', 'server').error).toMatchObject({ code: 'WS_ERR_UNMASKED_FRAME', closeCode: 1002 });
    expect(explain('a1 05 48 65 6c 6c 6f', 'client').error).toMatchObject({ code: 'WS_ERR_RESERVED_BITS', closeCode: 1002 });
    // RFC 7692 6.1: RSV1 is compression's bit, on the first frame of a data message only.
    expect(explain('89 05 48 65 6c 6c 6f c9 00', 'client')).toMatchObject({ error: { code: 'WS_ERR_UNEXPECTED_RSV1', closeCode: 1002 }, state: 'FAILED' });
    expect(explain('89 05 48 65 6c 6c 6f c9 00', 'client').frames).toHaveLength(2);
    expect(parseHex('8').error).toBe('odd-digits');
    expect(parseHex('zz').error).toBe('not-hex');
  });
});

describe('frame decoder: RFC 7692 compressed frames are inflated', () => {
  const inflated = async (hexText: string) => {
    const result = explain(hexText, 'auto');
    return { result, inflated: await inflateFrames(result.frames, result.role) };
  };

  it('7.2.3.1 "Hello" in one frame and in two fragments; a plain frame beside them is left alone', async () => {
    const one = await inflated('c1 07 f2 48 cd c9 c9 07 00 81 05 48 65 6c 6c 6f');
    expect(one.result.error).toBeNull();
    expect(one.result.frames[0]!.frame.rsv1).toBe(true);
    expect(one.inflated[0]).toMatchObject({ text: 'Hello', failed: false });
    expect(Array.from(one.inflated[0]!.bytes!)).toEqual([0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    expect(one.inflated[1]).toBeNull();
    const two = await inflated('41 03 f2 48 cd 80 04 c9 c9 07 00');
    expect(two.inflated.map((f) => f && new TextDecoder().decode(f.bytes!)).join('')).toBe('Hello');
  });

  it('7.2.3.2 a second message that copies from the first, and the same message alone: it cannot be inflated', async () => {
    const both = await inflated('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00');
    expect(both.inflated.map((f) => f?.text)).toEqual(['Hello', 'Hello']);
    const alone = await inflated('c1 05 f2 00 11 00 00');
    expect(alone.inflated[0]).toMatchObject({ failed: true, bytes: null });
  });

  it('a masked compressed frame, as the inspector copies a browser\'s, is unmasked then inflated', async () => {
    const mask = [0x37, 0xfa, 0x21, 0x3d];
    const payload = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00].map((b, i) => b ^ mask[i % 4]!);
    const hexText = [0xc1, 0x87, ...mask, ...payload].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const { result, inflated: out } = await inflated(hexText);
    expect(result.role).toBe('server');
    expect(out[0]).toMatchObject({ text: 'Hello' });
  });
});

describe('chapters', () => {
  const LANGUAGES: DocsLanguage[] = ['en', 'zh-CN'];

  it('every chapter is found in both languages, and every link to a .md file names an existing chapter', async () => {
    const slugs = new Set(CHAPTERS.map((c) => c.slug));
    expect(slugs.size).toBeGreaterThanOrEqual(12);
    for (const c of CHAPTERS) {
      for (const language of LANGUAGES) {
        const load = c.load[language];
        // docs:check fails on a chapter in one language only; here it only has to be found.
        if (!load) continue;
        const md = await load();
        for (const m of md.matchAll(/\]\(([^)\s]+)\)/g)) {
          const target = rewriteHref(m[1]!);
          if (/\.md(#|$)/.test(m[1]!)) expect(slugs.has(target.chapter ?? ''), `${language} ${c.slug} links ${m[1]}`).toBe(true);
        }
      }
    }
    expect(CHAPTERS.filter((c) => c.load['zh-CN']).length).toBeGreaterThanOrEqual(10);
  });

  it('a Chinese chapter renders with the same widgets as the English one, and its own prose', async () => {
    const chapter = CHAPTERS.find((c) => c.slug === '03-frames')!;
    const [en, zh] = await Promise.all([chapter.load.en!(), chapter.load['zh-CN']!()]);
    const widgets = (md: string) => renderChapter(md).filter((s) => s.kind === 'widget');
    expect(widgets(zh)).toEqual(widgets(en));
    expect(widgets(zh)).toContainEqual({ kind: 'widget', name: 'frame-decoder' });
    const html = renderChapter(zh).map((s) => (s.kind === 'html' ? s.html : '')).join('');
    expect(html).toMatch(/[\u4e00-\u9fff]/);
    // The excerpts are the same code in both languages.
    const excerpt = /<pre class="docs-code"><code class="language-ts">\/\/ packages\/transports\/src\/ws\/decoder.ts \(region &quot;header-bits&quot;\)[\s\S]*?<\/code><\/pre>/;
    const enHtml = renderChapter(en).map((s) => (s.kind === 'html' ? s.html : '')).join('');
    expect(html.match(excerpt)?.[0]).toBeDefined();
    expect(html.match(excerpt)?.[0]).toBe(enHtml.match(excerpt)?.[0]);
  });

  it('a reader gets their language, else English, else what exists, and is told which', () => {
    const load = async () => '# x';
    expect(pickLanguage({ slug: 'a', load: { en: load, 'zh-CN': load } }, 'zh-CN').language).toBe('zh-CN');
    expect(pickLanguage({ slug: 'a', load: { en: load } }, 'zh-CN').language).toBe('en');
    expect(pickLanguage({ slug: 'a', load: { 'zh-CN': load } }, 'en').language).toBe('zh-CN');
  });

  it('wide tables get a box of their own; hex is whole', () => {
    const html = renderChapter('| a | b |\n|---|---|\n| 1 | 2 |\n').map((s) => (s.kind === 'html' ? s.html : '')).join('');
    expect(html).toMatch(/^<div class="docs-table"><table>[\s\S]*<\/table>\s*<\/div>$/);
    expect(hexBytes(new Uint8Array(100).fill(0xab))).toBe(Array(100).fill('ab').join(' '));
  });

  it('raw HTML is escaped and block markers are dropped; widgets are cut out', () => {
    const segs = renderChapter('# T\n\n<img src=x onerror=alert(1)>\n\n<!-- generated: x -->\n\n```widget\nframe-decoder\n```\n\nend [two](02-handshake.md)\n');
    const html = segs.filter((s) => s.kind === 'html').map((s) => (s as { html: string }).html).join('');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
    expect(html).not.toContain('generated:');
    expect(html).toContain('href="#/docs/02-handshake"');
    expect(segs.filter((s) => s.kind === 'widget')).toEqual([{ kind: 'widget', name: 'frame-decoder' }]);
  });
});
