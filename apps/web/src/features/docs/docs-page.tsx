import { useEffect, useRef, useState } from 'react';
import './docs.css';
import { FrameDecoderWidget } from './frame-decoder.tsx';
import { HandshakeCalculator } from './handshake-calculator.tsx';
import { LiveLane } from './live-lane.tsx';
import { CHAPTERS, INDEX_SLUG, chapterHref, renderChapter, slugFromHash, titleOf, type Segment } from './markdown.ts';
import { renderDiagrams } from './diagrams.ts';

const WIDGETS: Record<string, () => React.JSX.Element> = {
  'handshake-calculator': () => <HandshakeCalculator />,
  'frame-decoder': () => <FrameDecoderWidget />,
  'live-lane': () => <LiveLane />,
};

interface Loaded {
  slug: string;
  title: string;
  segments: Segment[];
}

function useHashSlug(): string {
  const [slug, setSlug] = useState(() => slugFromHash(location.hash));
  useEffect(() => {
    const onHash = () => setSlug(slugFromHash(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return slug;
}

export default function DocsPage() {
  const slug = useHashSlug();
  const [titles, setTitles] = useState<Record<string, string>>({});
  const [chapter, setChapter] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const article = useRef<HTMLElement>(null);

  useEffect(() => {
    let live = true;
    void Promise.all(CHAPTERS.map(async (c) => [c.slug, titleOf(await c.load(), c.slug)] as const)).then((pairs) => {
      if (live) setTitles(Object.fromEntries(pairs));
    });
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    let live = true;
    const file = CHAPTERS.find((c) => c.slug === slug);
    if (!file) return;
    file
      .load()
      .then((md) => {
        if (!live) return;
        setChapter({ slug, title: titleOf(md, slug), segments: renderChapter(md) });
        setError(null);
      })
      .catch((err: unknown) => live && setError(`could not load ${slug}: ${String(err)}`));
    return () => {
      live = false;
    };
  }, [slug]);

  useEffect(() => {
    if (!chapter || !article.current) return;
    // A new chapter starts at the top of the page, with the app's tabs in view.
    window.scrollTo({ top: 0 });
    const cancel = renderDiagrams(article.current);
    return cancel;
  }, [chapter]);

  return (
    <div className="docs" data-testid="docs-view">
      <nav className="docs-toc panel" aria-label="Chapters">
        <h2>Lesson</h2>
        <ol>
          {CHAPTERS.map((c) => (
            <li key={c.slug} className={c.slug === slug ? 'current' : ''}>
              <a href={chapterHref(c.slug)} data-testid={`docs-toc-${c.slug}`}>
                {c.slug === INDEX_SLUG ? 'Contents' : (titles[c.slug] ?? c.slug)}
              </a>
            </li>
          ))}
        </ol>
      </nav>
      <article className="docs-body panel" ref={article} data-testid="docs-article" data-chapter={chapter?.slug ?? ''}>
        {error && <p className="docs-error">{error}</p>}
        {!chapter && !error && <p className="hint">Loading…</p>}
        {chapter?.segments.map((s, i) =>
          s.kind === 'html' ? (
            <div key={`${chapter.slug}-${i}`} className="docs-md" dangerouslySetInnerHTML={{ __html: s.html }} />
          ) : (
            <div key={`${chapter.slug}-${i}`} className="docs-widget" data-widget={s.name}>
              {WIDGETS[s.name]?.() ?? <p className="docs-error">unknown widget “{s.name}”</p>}
            </div>
          ),
        )}
      </article>
    </div>
  );
}
