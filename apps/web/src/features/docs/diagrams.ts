// Mermaid diagrams, drawn after a chapter renders. mermaid is large, so it is imported on
// first use (its own chunks). Until it is loaded, and if drawing fails, the diagram's source
// stays visible as a code block: the same text GitHub renders.
type Mermaid = typeof import('mermaid').default;

let loading: Promise<Mermaid> | null = null;
let counter = 0;

function loadMermaid(): Promise<Mermaid> {
  loading ??= import('mermaid').then(({ default: mermaid }) => {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
    return mermaid;
  });
  return loading;
}

/** Draws every `[data-mermaid]` block under root; returns a function that stops pending work. */
export function renderDiagrams(root: HTMLElement): () => void {
  const blocks = Array.from(root.querySelectorAll<HTMLElement>('[data-mermaid]'));
  if (blocks.length === 0) return () => {};
  let cancelled = false;
  void loadMermaid().then(async (mermaid) => {
    for (const block of blocks) {
      if (cancelled) return;
      const source = block.dataset.mermaid ?? '';
      try {
        const { svg } = await mermaid.render(`docs-diagram-${++counter}`, source);
        if (cancelled) return;
        block.innerHTML = svg;
        block.dataset.rendered = 'true';
      } catch (err) {
        block.dataset.rendered = 'failed';
        block.title = `diagram not drawn: ${String(err)}`;
      }
    }
  });
  return () => {
    cancelled = true;
  };
}
