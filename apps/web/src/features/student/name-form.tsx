import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULTS } from '@wirebench/transports/contract';

/** The name, asked before anything else; `onDone(null)` cancels a change. */
export function NameForm({ initial, first, onDone }: { initial: string; first: boolean; onDone: (name: string | null) => void }) {
  const { t } = useTranslation('student');
  const [value, setValue] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim() !== '') onDone(value);
  };
  return (
    <form className="st-name" onSubmit={submit} data-testid="student-name-form">
      <label htmlFor="st-name-input">{t('name.label')}</label>
      <p className="st-hint">{t('name.hint')}</p>
      <div className="st-row">
        <input
          id="st-name-input"
          value={value}
          maxLength={DEFAULTS.maxNameLength}
          autoComplete="nickname"
          autoFocus
          enterKeyHint="go"
          onChange={(e) => setValue(e.target.value)}
          data-testid="student-name-input"
        />
        <button type="submit" className="st-primary" disabled={value.trim() === ''} data-testid="student-name-save">
          {first ? t('name.join') : t('name.save')}
        </button>
        {!first && (
          <button type="button" onClick={() => onDone(null)} data-testid="student-name-cancel">
            {t('name.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
