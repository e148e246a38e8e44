// Mermaid diagrams, drawn after a chapter renders. mermaid is large (about 1.5 MB), so it is
// imported on first use, only by a chapter that has a diagram (its own chunks). Until it is
// loaded, and if drawing fails, the diagram's source stays visible as a code block: the same
// text GitHub renders. Diagrams follow the page's theme, and are redrawn when it changes.
type Mermaid = typeof import('mermaid').default;

let loading: Promise<Mermaid> | null = null;
let counter = 0;

function loadMermaid(): Promise<Mermaid> {
  loading ??= import('mermaid').then(({ default: mermaid }) => mermaid);
  return loading;
}

/** The page's theme: `data-theme` on <html> when the page sets one, else the system's. */
export function pageIsDark(): boolean {
  const set = document.documentElement.dataset.theme;
  if (set === 'dark' || set === 'light') return set === 'dark';
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Calls `onChange` when the page's theme changes; returns a function that stops listening. */
export function watchTheme(onChange: () => void): () => void {
  let dark = pageIsDark();
  const check = () => {
    if (pageIsDark() === dark) return;
    dark = !dark;
    onChange();
  };
  const observer = new MutationObserver(check);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  media?.addEventListener('change', check);
  return () => {
    observer.disconnect();
    media?.removeEventListener('change', check);
  };
}

/**
 * Draws every `[data-mermaid]` block under root; returns a function that stops pending work.
 * `failed` words the tooltip of a diagram that could not be drawn.
 */
export function renderDiagrams(root: HTMLElement, failed: (error: string) => string): () => void {
  const blocks = Array.from(root.querySelectorAll<HTMLElement>('[data-mermaid]'));
  if (blocks.length === 0) return () => {};
  let cancelled = false;
  void loadMermaid().then(async (mermaid) => {
    const theme = pageIsDark() ? 'dark' : 'neutral';
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme });
    for (const block of blocks) {
      if (cancelled) return;
      const source = block.dataset.mermaid ?? '';
      try {
        const { svg } = await mermaid.render(`docs-diagram-${++counter}`, source);
        if (cancelled) return;
        block.innerHTML = svg;
        block.dataset.rendered = 'true';
        block.dataset.theme = theme;
      } catch (err) {
        block.dataset.rendered = 'failed';
        block.title = failed(String(err));
      }
    }
  });
  return () => {
    cancelled = true;
  };
}
