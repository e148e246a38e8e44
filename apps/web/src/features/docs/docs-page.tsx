import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toLanguage } from '../../i18n/index.ts';
import './docs.css';
import { renderDiagrams, watchTheme } from './diagrams.ts';
import { FrameDecoderWidget } from './frame-decoder.tsx';
import { HandshakeCalculator } from './handshake-calculator.tsx';
import { LiveLane } from './live-lane.tsx';
import { CHAPTERS, INDEX_SLUG, chapterHref, pickLanguage, renderChapter, slugFromHash, titleOf, type DocsLanguage, type Segment } from './markdown.ts';

const WIDGETS: Record<string, () => React.JSX.Element> = {
  'handshake-calculator': () => <HandshakeCalculator />,
  'frame-decoder': () => <FrameDecoderWidget />,
  'live-lane': () => <LiveLane />,
};

/** Below this width the sidebar starts collapsed and closes after a chapter is picked. */
const NARROW = '(max-width: 800px)';
const isNarrow = () => typeof matchMedia === 'function' && matchMedia(NARROW).matches;

interface Loaded {
  slug: string;
  /** The language the reader asked for, and the one the chapter is shown in. */
  wanted: DocsLanguage;
  language: DocsLanguage;
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
  const { t, i18n } = useTranslation('docs');
  const language = toLanguage(i18n.resolvedLanguage ?? i18n.language);
  const slug = useHashSlug();
  const [titles, setTitles] = useState<Record<string, string>>({});
  const [chapter, setChapter] = useState<Loaded | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [tocOpen, setTocOpen] = useState(() => !isNarrow());
  const [themeChanges, setThemeChanges] = useState(0);
  const article = useRef<HTMLElement>(null);

  useEffect(() => {
    let live = true;
    void Promise.all(CHAPTERS.map(async (c) => [c.slug, titleOf(await pickLanguage(c, language).load(), c.slug)] as const)).then((pairs) => {
      if (live) setTitles(Object.fromEntries(pairs));
    });
    return () => {
      live = false;
    };
  }, [language]);

  useEffect(() => {
    let live = true;
    const file = CHAPTERS.find((c) => c.slug === slug);
    if (!file) return;
    const picked = pickLanguage(file, language);
    picked
      .load()
      .then((md) => {
        if (!live) return;
        setChapter({ slug, wanted: language, language: picked.language, title: titleOf(md, slug), segments: renderChapter(md) });
        setFailed(null);
      })
      .catch((err: unknown) => live && setFailed(String(err)));
    return () => {
      live = false;
    };
  }, [slug, language]);

  useEffect(() => {
    if (!chapter) return;
    // A new chapter starts at the top of the page, with the app's tabs in view.
    window.scrollTo({ top: 0 });
    if (isNarrow()) setTocOpen(false);
  }, [chapter?.slug]);

  useEffect(() => watchTheme(() => setThemeChanges((n) => n + 1)), []);

  useEffect(() => {
    if (!chapter || !article.current) return;
    return renderDiagrams(article.current, (error) => t('diagram.failed', { error }));
  }, [chapter, themeChanges, t]);

  const fallback = chapter && chapter.language !== chapter.wanted;
  return (
    <div className={tocOpen ? 'docs' : 'docs toc-closed'} data-testid="docs-view">
      <nav className="docs-toc panel" aria-label={t('toc.label')} data-testid="docs-sidebar" data-open={tocOpen}>
        <div className="docs-toc-head">
          <h2>{t('toc.title')}</h2>
          <button
            type="button"
            className="docs-toc-toggle"
            aria-expanded={tocOpen}
            aria-controls="docs-toc-list"
            onClick={() => setTocOpen((open) => !open)}
            data-testid="docs-sidebar-toggle"
          >
            {tocOpen ? t('toc.hide') : t('toc.show')}
          </button>
        </div>
        <ol id="docs-toc-list" hidden={!tocOpen}>
          {CHAPTERS.map((c) => (
            <li key={c.slug} className={c.slug === slug ? 'current' : ''}>
              <a href={chapterHref(c.slug)} data-testid={`docs-toc-${c.slug}`} aria-current={c.slug === slug ? 'page' : undefined}>
                {c.slug === INDEX_SLUG ? t('toc.contents') : (titles[c.slug] ?? c.slug)}
              </a>
            </li>
          ))}
        </ol>
      </nav>
      <article
        className="docs-body panel"
        ref={article}
        lang={chapter?.language}
        data-testid="docs-article"
        data-chapter={chapter?.slug ?? ''}
        data-language={chapter?.language ?? ''}
      >
        {failed && <p className="docs-error">{t('loadFailed', { chapter: slug, error: failed })}</p>}
        {!chapter && !failed && <p className="hint">{t('loading')}</p>}
        {fallback && (
          <p className="docs-notice" lang={language} data-testid="docs-fallback">
            {chapter.language === 'en' ? t('fallback.english') : t('fallback.chinese')}
          </p>
        )}
        {chapter?.segments.map((s, i) =>
          s.kind === 'html' ? (
            <div key={`${chapter.slug}-${chapter.language}-${i}`} className="docs-md" dangerouslySetInnerHTML={{ __html: s.html }} />
          ) : (
            <div key={`${chapter.slug}-${chapter.language}-${i}`} className="docs-widget" data-widget={s.name} lang={language}>
              {WIDGETS[s.name]?.() ?? <p className="docs-error">{t('unknownWidget', { name: s.name })}</p>}
            </div>
          ),
        )}
      </article>
    </div>
  );
}
