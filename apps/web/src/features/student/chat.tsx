import { type FormEvent, memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULTS } from '@wirebench/transports/contract';
import type { ChatEntry, StudentModel } from '../../model/student-model.ts';

export function Chat({ chat }: { chat: readonly ChatEntry[] }) {
  const { t } = useTranslation('student');
  // Newest first in the DOM, shown bottom-up (column-reverse): the view stays pinned to the
  // newest message without reading layout on every update.
  const rows = [];
  for (let i = chat.length - 1; i >= 0; i--) rows.push(<ChatRow key={chat[i]!.seq} entry={chat[i]!} you={t('chat.you')} />);
  return (
    <section className="st-chat" aria-label={t('chat.label')}>
      {chat.length === 0 ? (
        <p className="st-empty">{t('chat.empty')}</p>
      ) : (
        <ol className="st-messages" role="log" data-testid="student-messages">
          {rows}
        </ol>
      )}
    </section>
  );
}

// Text only: name and text are React text nodes, never HTML.
const ChatRow = memo(function ChatRow({ entry, you }: { entry: ChatEntry; you: string }) {
  const cls = entry.own ? 'st-own' : entry.history ? 'st-history' : undefined;
  return (
    <li className={cls} data-seq={entry.seq}>
      <span className="st-from">
        {entry.name}
        {entry.own && <span className="st-you"> ({you})</span>}
      </span>
      <span className="st-text">{entry.text}</span>
    </li>
  );
});

export function SendForm({ model: m, enabled }: { model: StudentModel; enabled: boolean }) {
  const { t } = useTranslation('student');
  const [text, setText] = useState('');
  const [refused, setRefused] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = m.send(text);
    if (result === 'sent') setText('');
    setRefused(result === 'unavailable');
  };
  return (
    <form className="st-send" onSubmit={submit} data-testid="student-send-form">
      <label htmlFor="st-message" className="st-visually-hidden">
        {t('send.label')}
      </label>
      <div className="st-row">
        <input
          id="st-message"
          value={text}
          placeholder={t('send.placeholder')}
          maxLength={DEFAULTS.maxTextLength}
          enterKeyHint="send"
          autoComplete="off"
          disabled={!enabled}
          onChange={(e) => setText(e.target.value)}
          data-testid="student-input"
        />
        <button type="submit" className="st-primary" disabled={!enabled || text.trim() === ''} data-testid="student-send">
          {t('send.button')}
        </button>
      </div>
      {refused && (
        <p className="st-hint st-bad-text" role="alert">
          {t('send.notSent')}
        </p>
      )}
    </form>
  );
}
