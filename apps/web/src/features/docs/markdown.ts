// Chapters from docs/*.md and docs/zh-CN/*.md, rendered with marked. Raw HTML in the Markdown
// is never passed through: comments (the docs script's block markers) are dropped, anything
// else is shown as text. ```widget blocks become live widgets, ```mermaid blocks become diagrams (drawn
// later by a lazily loaded mermaid), and links to other chapters become dashboard routes.
import { Marked, Renderer, type Tokens } from 'marked';

/** The docs' languages: English in docs/, Simplified Chinese in docs/zh-CN/ (the same file names). */
export type DocsLanguage = 'en' | 'zh-CN';

// Lazy: each chapter is its own small chunk, fetched when the Docs view opens. The patterns are
// literal so that Vite bundles both folders (`*` does not descend into zh-CN/).
type Loaders = Record<string, () => Promise<string>>;
const FILES: Record<DocsLanguage, Loaders> = {
  en: import.meta.glob('../../../../../docs/*.md', { query: '?raw', import: 'default' }) as Loaders,
  'zh-CN': import.meta.glob('../../../../../docs/zh-CN/*.md', { query: '?raw', import: 'default' }) as Loaders,
};

export interface ChapterFile {
  slug: string;
  /** The chapter in each language it exists in. */
  load: Partial<Record<DocsLanguage, () => Promise<string>>>;
}

const slugOf = (path: string) => path.slice(path.lastIndexOf('/') + 1, -3);

function chapters(): ChapterFile[] {
  const bySlug = new Map<string, ChapterFile>();
  for (const language of Object.keys(FILES) as DocsLanguage[]) {
    for (const [path, load] of Object.entries(FILES[language])) {
      const slug = slugOf(path);
      const chapter = bySlug.get(slug) ?? { slug, load: {} };
      chapter.load[language] = load;
      bySlug.set(slug, chapter);
    }
  }
  return [...bySlug.values()].sort((a, b) => (a.slug === 'README' ? -1 : b.slug === 'README' ? 1 : a.slug.localeCompare(b.slug)));
}

export const CHAPTERS: ChapterFile[] = chapters();

/**
 * The text to show for a reader of `language`: the chapter in that language, else the English
 * one, else whichever exists. `language` says which one it is, so the page can say so.
 */
export function pickLanguage(chapter: ChapterFile, language: DocsLanguage): { language: DocsLanguage; load: () => Promise<string> } {
  for (const l of [language, 'en', 'zh-CN'] as const) {
    const load = chapter.load[l];
    if (load) return { language: l, load };
  }
  throw new Error(`chapter ${chapter.slug} has no file`);
}

export const INDEX_SLUG = 'README';

export function chapterHref(slug: string): string {
  return `#/docs/${slug}`;
}

/** The chapter named in the location hash (#/docs/<slug>), or the index. */
export function slugFromHash(hash: string): string {
  const m = /^#\/?docs\/([^/?#]+)/.exec(hash);
  const slug = m ? decodeURIComponent(m[1]!) : INDEX_SLUG;
  return CHAPTERS.some((c) => c.slug === slug) ? slug : INDEX_SLUG;
}

export function titleOf(markdown: string, fallback: string): string {
  const m = /^#\s+(.+)$/m.exec(markdown);
  return m ? m[1]!.trim() : fallback;
}

export type Segment = { kind: 'html'; html: string } | { kind: 'widget'; name: string };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A link as the Docs view should follow it: chapters route inside the dashboard, the rest opens outside. */
export function rewriteHref(href: string): { href: string; external: boolean; chapter: string | null } {
  const chapter = /^(?:\.\/)?([0-9A-Za-z_-]+)\.md(#.*)?$/.exec(href);
  if (chapter) return { href: chapterHref(chapter[1]!), external: false, chapter: chapter[1]! };
  if (/^(https?:)?\/\//.test(href)) return { href, external: true, chapter: null };
  if (href.startsWith('#')) return { href, external: false, chapter: null };
  // A repository path (../packages/...): not served by the dashboard; point at it as text.
  return { href: '', external: false, chapter: null };
}

const marked = new Marked({ gfm: true });
marked.use({
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      const text = token.text.trim();
      if (/^<!--[\s\S]*-->$/.test(text)) return '';
      return escapeHtml(token.text);
    },
    code(token: Tokens.Code): string {
      const lang = (token.lang ?? '').trim();
      if (lang === 'mermaid') {
        return `<div class="docs-diagram" data-mermaid="${escapeHtml(token.text)}"><pre><code>${escapeHtml(token.text)}</code></pre></div>`;
      }
      return `<pre class="docs-code"><code${lang ? ` class="language-${escapeHtml(lang)}"` : ''}>${escapeHtml(token.text)}</code></pre>`;
    },
    link(token: Tokens.Link): string {
      const inner = this.parser.parseInline(token.tokens);
      const target = rewriteHref(token.href);
      if (target.href === '') return `<span class="docs-path" title="${escapeHtml(token.href)}">${inner}</span>`;
      const extra = target.external ? ' target="_blank" rel="noopener noreferrer"' : '';
      const data = target.chapter ? ` data-chapter="${escapeHtml(target.chapter)}"` : '';
      return `<a href="${escapeHtml(target.href)}"${data}${extra}>${inner}</a>`;
    },
    table(token: Tokens.Table): string {
      // A wide table scrolls inside its own box, never the page.
      return `<div class="docs-table">${Renderer.prototype.table.call(this, token)}</div>`;
    },
    image(token: Tokens.Image): string {
      return `<span class="docs-path">[image: ${escapeHtml(token.text)}]</span>`;
    },
  },
});

/** The chapter as HTML pieces, with the widgets between them. */
export function renderChapter(markdown: string): Segment[] {
  const tokens = marked.lexer(markdown);
  const segments: Segment[] = [];
  let run: typeof tokens = Object.assign([], { links: tokens.links });
  const flush = () => {
    if (run.length === 0) return;
    segments.push({ kind: 'html', html: marked.parser(run) });
    run = Object.assign([], { links: tokens.links });
  };
  for (const token of tokens) {
    if (token.type === 'code' && (token as Tokens.Code).lang?.trim() === 'widget') {
      flush();
      segments.push({ kind: 'widget', name: (token as Tokens.Code).text.trim() });
    } else {
      run.push(token);
    }
  }
  flush();
  return segments;
}
