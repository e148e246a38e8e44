// The server processes serving the room (issue #14): GET /api/stats's `nodes`, and how many
// of this page's requests each one answered (X-Wirebench-Node, a welcome's or a stream's
// `node`). With one process there is one line; `pnpm start:cluster` makes several.
import { useTranslation } from 'react-i18next';
import { fmtInt } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

export function NodesPanel() {
  const { t } = useTranslation('classroom');
  const wb = useWorkbench();
  const nodes = useStore(wb.stats.store).stats?.nodes;
  const served = useStore(wb.served);
  if (!nodes || nodes.length === 0) return null;
  // A process that answered this page and has left the list since (stopped, killed) stays visible.
  const gone = Object.keys(served).filter((n) => !nodes.includes(n)).sort();
  return (
    <section className="panel" data-testid="class-nodes">
      <h2>{t('nodes.heading', { count: nodes.length })}</h2>
      <ul className="class-nodes">
        {[...nodes, ...gone].map((node) => (
          <li key={node} data-testid="class-node" data-node={node} className={gone.includes(node) ? 'hint' : undefined}>
            <span className="mono">{node}</span>{' '}
            <span className="hint">
              {t('nodes.served', { count: served[node] ?? 0, n: fmtInt(served[node] ?? 0) })}
              {gone.includes(node) ? ` · ${t('nodes.gone')}` : ''}
            </span>
          </li>
        ))}
      </ul>
      <p className="hint">{nodes.length > 1 ? t('nodes.many') : t('nodes.one')}</p>
    </section>
  );
}
