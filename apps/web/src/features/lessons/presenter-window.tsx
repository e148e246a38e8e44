// A window of its own for the presenter's notes (for the teacher's screen while the projector
// shows the stage): opened with window.open, drawn by this page's React through a portal, with
// the page's styles copied in. Its arrow and Page keys step the lesson too; closing it, or the
// page, ends it.
import { useEffect, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

const NAME = 'wirebench-presenter';

interface Props {
  title: string;
  onClose: () => void;
  onForward: () => void;
  onBack: () => void;
  children: ReactNode;
}

export function PresenterWindow({ title, onClose, onForward, onBack, children }: Props) {
  const [target, setTarget] = useState<HTMLElement | null>(null);

  useEffect(() => {
    const win = window.open('', NAME, 'popup,width=560,height=720');
    if (!win) {
      onClose();
      return;
    }
    const doc = win.document;
    doc.documentElement.lang = document.documentElement.lang;
    doc.documentElement.dataset.theme = document.documentElement.dataset.theme ?? '';
    doc.head.replaceChildren(...[...document.head.querySelectorAll('style, link[rel="stylesheet"]')].map((n) => doc.importNode(n, true)));
    const root = doc.createElement('div');
    root.className = 'presenter-root';
    doc.body.replaceChildren(root);
    setTarget(root);
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'ArrowRight' || e.key === 'PageDown') onForward();
      else if (e.key === 'ArrowLeft' || e.key === 'PageUp') onBack();
      else return;
      e.preventDefault();
    };
    win.addEventListener('keydown', onKey);
    const closed = () => onClose();
    win.addEventListener('pagehide', closed);
    const closeWithPage = () => win.close();
    addEventListener('pagehide', closeWithPage);
    return () => {
      win.removeEventListener('keydown', onKey);
      win.removeEventListener('pagehide', closed);
      removeEventListener('pagehide', closeWithPage);
      win.close();
    };
    // One window for the component's life (the handlers given are the runner's, which never change).
  }, []);

  useEffect(() => {
    if (target) target.ownerDocument.title = title;
  }, [target, title]);

  return target ? createPortal(children, target) : null;
}
