// The Docs view: the chapters of docs/ with live widgets. Everything behind this shell
// (marked, the chapters, the widgets, mermaid) loads when the view is first opened, so the
// dashboard's initial bundle does not grow.
import { lazy, Suspense } from 'react';

const DocsPage = lazy(() => import('./docs-page.tsx'));

export function DocsView() {
  return (
    <Suspense fallback={<p className="hint">Loading the docs…</p>}>
      <DocsPage />
    </Suspense>
  );
}
