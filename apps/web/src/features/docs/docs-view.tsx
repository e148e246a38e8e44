// The Docs view: the chapters of docs/ (docs/zh-CN/ in Chinese) with live widgets. Everything
// behind this shell (marked, the chapters, the widgets, mermaid) loads when the view is first
// opened, so the dashboard's initial bundle does not grow; mermaid only with a diagram.
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';

const DocsPage = lazy(() => import('./docs-page.tsx'));

export function DocsView() {
  const { t } = useTranslation('docs');
  return (
    <Suspense fallback={<p className="hint">{t('loadingView')}</p>}>
      <DocsPage />
    </Suspense>
  );
}
