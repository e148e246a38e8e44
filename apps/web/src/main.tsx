import { createClient } from '@wirebench/transports/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import { App } from './app.tsx';
import { pageNow } from './lib/clock.ts';
import { Workbench } from './lib/workbench.ts';
import './ui/styles.css';

// The model lives outside React: created once, before the first render.
const workbench = new Workbench({
  factory: (transport, options) => createClient(transport, options),
  fetch: (input, init) => fetch(input, init),
  baseUrl: location.origin,
  now: pageNow,
});
workbench.start();
(window as unknown as { wirebench: Workbench }).wirebench = workbench;
addEventListener('pagehide', () => workbench.stop());
// Back from the back/forward cache with stopped clients: start over.
addEventListener('pageshow', (e) => {
  if (e.persisted) location.reload();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App workbench={workbench} />
  </StrictMode>,
);
