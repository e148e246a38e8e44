// The student page (issue 10): what a phone opens from the teacher's QR code. Name first,
// then the chat, then this student's one lane with its own figures. No control here acts
// on anyone else. Every word comes from the `student` namespace.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../../i18n/language-switch.tsx';
import { useStore } from '../../ui/use-store.ts';
import { LaneView } from './lane-view.tsx';
import { LessonCard } from './lesson-card.tsx';
import { NameForm } from './name-form.tsx';
import { lessonFollower, studentModel } from './page-model.ts';
import './student.css';

export function StudentPage() {
  const { t } = useTranslation('student');
  const m = studentModel();
  const s = useStore(m.store);
  const [editingName, setEditingName] = useState(false);

  if (s.name === '' || editingName) {
    return (
      <div className="student" data-testid="student-page">
        <Brand />
        <NameForm
          initial={s.name}
          first={s.name === ''}
          onDone={(name) => {
            if (name !== null) m.setName(name);
            setEditingName(false);
          }}
        />
      </div>
    );
  }

  return (
    <div className="student" data-testid="student-page">
      <Brand />
      <div className="st-who">
        <span className="st-you-are" data-testid="student-name">
          {t('name.youAre', { name: s.name })}
        </span>
        <button type="button" className="st-link" onClick={() => setEditingName(true)} data-testid="student-name-change">
          {t('name.change')}
        </button>
      </div>
      <LessonCard follower={lessonFollower()} />
      {s.lane && <LaneView lane={s.lane} measurements={s.measurements} model={m} />}
    </div>
  );
}

function Brand() {
  const { t } = useTranslation('student');
  return (
    <header className="st-brand">
      <span className="st-title">
        <strong>Wirebench</strong> <span>{t('brand.tagline')}</span>
      </span>
      <a className="st-docs" href="#/docs" data-testid="student-docs">
        {t('brand.docs')}
      </a>
      <LanguageSwitch className="st-language" />
    </header>
  );
}
