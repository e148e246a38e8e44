// Whether a panel that keeps changing is on screen. The panels marked `skip-offscreen`
// (`content-visibility: auto`) are not laid out or painted by the browser off screen; a
// panel that also uses this hook (the inspector's frames and timelines) stops re-rendering
// there too (useStoreWhile), and catches up the moment it is scrolled back into view. An
// IntersectionObserver with our own margin decides: the browser's content-visibility margin is
// its own choice (Chromium still rendered the inspector 800 px below a 1000 px viewport).
// Without IntersectionObserver a panel stays live.
import { useEffect, useRef, useState, type RefObject } from 'react';

/** How far outside the viewport a panel still counts as on screen, so scrolling never shows it stale. */
const MARGIN = '300px';

export function useOnScreen<T extends HTMLElement>(): [RefObject<T | null>, boolean] {
  const ref = useRef<T>(null);
  const [onScreen, setOnScreen] = useState(true);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver !== 'function') return;
    const io = new IntersectionObserver(([entry]) => setOnScreen(entry?.isIntersecting ?? true), { rootMargin: MARGIN });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  return [ref, onScreen];
}
