// The lesson on a student's phone: the step the teacher is on, its question answered with one tap
// (or a number), and after the reveal the class's answers beside what was measured in the room.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { LessonQuestionInfo, LessonView } from '@wirebench/transports/contract';
import type { FollowerState, LessonFollower } from '../../model/lesson-follower.ts';
import { useStore } from '../../ui/use-store.ts';

export function LessonCard({ follower }: { follower: LessonFollower }) {
  const { t } = useTranslation('student');
  const s = useStore(follower.store);
  const view = s.view;
  if (!view || view.lessonId === null) return null;
  const q = view.question;
  return (
    <section className="st-lesson" aria-live="polite" data-testid="student-lesson" data-step={view.step} data-revealed={view.revealed}>
      <p className="st-lesson-where">
        <span>{view.title}</span> · <span data-testid="student-lesson-count">{t('lesson.step', { step: view.step + 1, steps: view.steps })}</span>
      </p>
      <h2 data-testid="student-lesson-step">{view.stepTitle}</h2>
      {q && <Question q={q} view={view} s={s} follower={follower} />}
      {view.revealed && view.reveal?.caption && <p className="st-lesson-caption" data-testid="student-lesson-caption">{view.reveal.caption}</p>}
    </section>
  );
}

function Question({ q, view, s, follower }: { q: LessonQuestionInfo; view: LessonView; s: FollowerState; follower: LessonFollower }) {
  const { t } = useTranslation('student');
  const mine = s.mine[q.id];
  const closed = view.revealed;
  const shown = (v: string | number) => (typeof v === 'number' ? v : (q.choices.find((c) => c.id === v)?.text ?? v));
  return (
    <div className="st-question" data-testid="student-question" data-question={q.id}>
      <p className="st-prompt" data-testid="student-prompt">
        {q.prompt}
      </p>
      {q.kind === 'choice' ? (
        <div className="st-choices" role="group" aria-label={q.prompt}>
          {q.choices.map((c) => (
            <button
              key={c.id}
              type="button"
              className={mine === c.id ? 'st-choice st-chosen' : 'st-choice'}
              aria-pressed={mine === c.id}
              disabled={closed || s.sending}
              onClick={() => void follower.answer(c.id)}
              data-testid={`student-choice-${c.id}`}
            >
              {c.text}
            </button>
          ))}
        </div>
      ) : (
        !closed && <NumberAnswer q={q} follower={follower} sending={s.sending} />
      )}
      {mine !== undefined && (
        <p className="st-hint" data-testid="student-my-answer" data-answer={mine}>
          {t('lesson.yourAnswer', { answer: shown(mine) })}
        </p>
      )}
      {!closed && mine === undefined && <p className="st-hint">{t(q.kind === 'choice' ? 'lesson.tapHint' : 'lesson.numberHint')}</p>}
      {s.problem && (
        <p className="st-notice st-bad" role="alert" data-testid="student-answer-problem">
          {t(`lesson.problem.${s.problem}`)}
        </p>
      )}
      {closed && <Results q={q} view={view} mine={mine} />}
    </div>
  );
}

function NumberAnswer({ q, follower, sending }: { q: LessonQuestionInfo; follower: LessonFollower; sending: boolean }) {
  const { t } = useTranslation(['student', 'lessons']);
  const [text, setText] = useState('');
  const [wrong, setWrong] = useState(false);
  const min = q.min ?? 0;
  const max = q.max ?? Number.MAX_SAFE_INTEGER;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = Number(text.trim().replace(',', '.'));
    if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      setWrong(true);
      return;
    }
    setWrong(false);
    void follower.answer(value);
  };
  return (
    <form className="st-number" onSubmit={submit} data-testid="student-number-form">
      <label htmlFor="st-number-input">{t('lesson.numberLabel', { unit: q.unit ? t(`lessons:unit.${q.unit}`) : '' })}</label>
      <div className="st-number-row">
        <input
          id="st-number-input"
          type="text"
          inputMode="decimal"
          autoComplete="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={wrong}
          data-testid="student-number-input"
        />
        <button type="submit" className="st-primary" disabled={sending || text.trim() === ''} data-testid="student-number-send">
          {t('lesson.send')}
        </button>
      </div>
      {wrong && (
        <p className="st-notice st-bad" role="alert">
          {t('lesson.outOfRange', { min, max })}
        </p>
      )}
    </form>
  );
}

/** The class's answers, and the truth beside them. */
function Results({ q, view, mine }: { q: LessonQuestionInfo; view: LessonView; mine: string | number | undefined }) {
  const { t } = useTranslation(['student', 'lessons']);
  const tally = view.tally;
  const total = tally?.total ?? 0;
  const truth = view.truth?.measured ?? view.truth?.answer;
  const unit = q.unit ? t(`lessons:unit.${q.unit}`) : '';
  const shown = (v: string | number) => (typeof v === 'number' ? `${v} ${unit}`.trim() : (q.choices.find((c) => c.id === v)?.text ?? v));
  return (
    <div className="st-results" data-testid="student-results">
      <p className="st-truth" data-testid="student-truth" data-value={truth ?? ''}>
        {view.truth?.measured !== undefined ? t('lesson.measured') : t('lesson.answer')}{' '}
        <strong>{truth === undefined ? t('lesson.notMeasured') : shown(truth)}</strong>
      </p>
      <h3>{t('lesson.classAnswers', { count: total })}</h3>
      {q.kind === 'choice' ? (
        <ul className="st-tally">
          {q.choices.map((c) => {
            const n = tally?.counts?.[c.id] ?? 0;
            return (
              <li key={c.id} className={truth === c.id ? 'st-right' : ''} data-testid={`student-result-${c.id}`} data-count={n}>
                <span>
                  {c.text}
                  {mine === c.id && <em> ({t('lesson.you')})</em>}
                </span>
                <span className="st-tally-bar" style={{ ['--share' as string]: total > 0 ? n / total : 0 }} aria-hidden="true" />
                <strong>{n}</strong>
              </li>
            );
          })}
        </ul>
      ) : (
        tally?.median !== undefined && (
          <p data-testid="student-median" data-median={tally.median}>
            {t('lesson.median', { value: shown(tally.median) })}
          </p>
        )
      )}
      {tally?.right !== undefined && (
        <p className="st-hint" data-testid="student-right" data-right={tally.right}>
          {t('lesson.right', { count: tally.right, total })}
        </p>
      )}
    </div>
  );
}
