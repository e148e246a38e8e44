// The Lessons view (issue #13): the teacher picks a lesson and walks the class through it. The
// stage shows the step's narration, its question with the class's answers coming in, then the
// reveal: the measured figure highlighted, the caption, the step's chart. The presenter notes
// and a timer stay on the teacher's screen, or in a window of their own for a second screen.
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { LessonInfo, LessonStepInfo, LessonView, TransportId } from '@wirebench/transports/contract';
import { FIGURES, type FigureId } from '@wirebench/transports/lessons/catalog';
import { useTransportLabels } from '../../i18n/transport-labels.ts';
import { figureValue, roundFigure } from '../../model/lesson-figures.ts';
import { canReveal, type LessonRunner, type LessonRunState } from '../../model/lesson-runner.ts';
import { LANE_COLORS } from '../../ui/format.ts';
import { projector } from '../../ui/projector.ts';
import { useTeacher } from '../../ui/teacher-context.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { LessonText } from './lesson-text.tsx';
import { PresenterWindow } from './presenter-window.tsx';
import { lessonRunner } from './runner-instance.ts';
import './lessons.css';

/** The runner of this page (made on first use). */
export function useLessonRunner(): LessonRunner {
  return lessonRunner(useWorkbench(), useTeacher());
}

/** `chart`: the stage's chart, which the app hands in (a feature does not import another). */
export function LessonsView({ chart }: { chart: ReactNode }) {
  const runner = useLessonRunner();
  const s = useStore(runner.store);
  const lesson = s.lessons?.find((l) => l.id === s.lessonId);
  return (
    <div className="lessons" data-testid="lessons-view">
      {s.error && (
        <p className="lesson-error" role="alert" data-testid="lesson-error">
          {s.error}
        </p>
      )}
      {lesson ? <RunningLesson runner={runner} s={s} lesson={lesson} chart={chart} /> : <LessonPicker runner={runner} lessons={s.lessons} />}
    </div>
  );
}

function LessonPicker({ runner, lessons }: { runner: LessonRunner; lessons: readonly LessonInfo[] | null }) {
  const { t } = useTranslation('lessons');
  if (lessons === null) return <p className="hint">{t('loading')}</p>;
  return (
    <section className="panel lesson-picker">
      <h2>{t('pick.title')}</h2>
      <p className="hint">{t('pick.hint')}</p>
      <ol className="lesson-list">
        {lessons.map((l) => (
          <li key={l.id} data-testid={`lesson-${l.id}`}>
            <div>
              <h3>{l.title}</h3>
              <p className="hint">{t('pick.meta', { steps: l.steps.length, minutes: l.minutes })}</p>
              <LessonText text={l.summary} className="lesson-summary" />
            </div>
            <button className="primary" onClick={() => void runner.open(l.id)} data-testid={`lesson-start-${l.id}`}>
              {t('pick.start')}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

function RunningLesson({ runner, s, lesson, chart }: { runner: LessonRunner; s: LessonRunState; lesson: LessonInfo; chart: ReactNode }) {
  const { t } = useTranslation('lessons');
  const onProjector = useStore(projector);
  const [notesShown, setNotesShown] = useState(!onProjector);
  const [presenter, setPresenter] = useState(false);
  const step = lesson.steps[s.step];
  if (!step) return null;
  const last = s.step === lesson.steps.length - 1;
  // The view is the server's word for this very step; an answer for another is not shown.
  const view = s.view && s.view.lessonId === lesson.id && s.view.step === s.step ? s.view : null;
  return (
    <div className="lesson-stage" data-testid="lesson-stage" data-step={s.step} data-revealed={s.revealed}>
      <header className="lesson-head">
        <div className="lesson-where">
          <span className="lesson-title" data-testid="lesson-title">
            {lesson.title}
          </span>
          <span className="lesson-count" data-testid="lesson-step-count">
            {t('step.of', { step: s.step + 1, steps: lesson.steps.length })}
          </span>
          <h2 data-testid="lesson-step-title">{step.title}</h2>
        </div>
        <nav className="lesson-controls" aria-label={t('controls.label')}>
          <button onClick={() => void runner.back()} disabled={s.step === 0 && !s.revealed} data-testid="lesson-back" title={t('controls.backHint')}>
            {t('controls.back')}
          </button>
          {canReveal(step) && (
            <button
              className={s.revealed ? '' : 'primary'}
              onClick={() => void (s.revealed ? runner.hide() : runner.reveal())}
              data-testid="lesson-reveal"
              aria-pressed={s.revealed}
            >
              {s.revealed ? t('controls.hide') : t('controls.reveal')}
            </button>
          )}
          <button onClick={() => void runner.go(s.step + 1)} disabled={last} data-testid="lesson-next" title={t('controls.nextHint')}>
            {t('controls.next')}
          </button>
          <button onClick={() => setNotesShown((v) => !v)} aria-pressed={notesShown} data-testid="lesson-notes-toggle">
            {notesShown ? t('controls.hideNotes') : t('controls.showNotes')}
          </button>
          <button onClick={() => setPresenter(true)} data-testid="lesson-presenter">
            {t('controls.presenter')}
          </button>
          <button onClick={() => void runner.close()} data-testid="lesson-end">
            {t('controls.end')}
          </button>
        </nav>
      </header>
      <div className={notesShown ? 'lesson-body with-notes' : 'lesson-body'}>
        <section className="panel lesson-main">
          <LessonText text={step.narration} className="lesson-narration" testId="lesson-narration" />
          {step.question && <QuestionPanel step={step} view={view} revealed={s.revealed} />}
          {s.revealed && <RevealPanel step={step} view={view} measured={s.measured} />}
        </section>
        <div className="lesson-chart">{chart}</div>
        {notesShown && <NotesPanel step={step} next={lesson.steps[s.step + 1]} enteredAt={s.enteredAt} />}
      </div>
      {presenter && (
        <PresenterWindow title={t('presenter.title', { lesson: lesson.title })} onClose={() => setPresenter(false)} onForward={() => void runner.forward()} onBack={() => void runner.back()}>
          <div className="lesson-presenter" data-testid="lesson-presenter-window">
            <p className="lesson-count">{t('step.of', { step: s.step + 1, steps: lesson.steps.length })}</p>
            <h1>{step.title}</h1>
            <NotesPanel step={step} next={lesson.steps[s.step + 1]} enteredAt={s.enteredAt} />
            {step.question && <QuestionPanel step={step} view={view} revealed={s.revealed} />}
            <p className="hint">{t('presenter.keys')}</p>
          </div>
        </PresenterWindow>
      )}
    </div>
  );
}

/** Seconds since `since` (page clock), ticking once a second. */
function useElapsed(since: number): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, Math.floor((now - since) / 1000));
}

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

function NotesPanel({ step, next, enteredAt }: { step: LessonStepInfo; next: LessonStepInfo | undefined; enteredAt: number }) {
  const { t } = useTranslation('lessons');
  const elapsed = useElapsed(enteredAt);
  const planned = Math.round(step.minutes * 60);
  return (
    <aside className="panel lesson-notes" data-testid="lesson-notes">
      <p className={elapsed > planned ? 'lesson-timer over' : 'lesson-timer'} data-testid="lesson-timer">
        {t('notes.timer', { elapsed: clock(elapsed), planned: clock(planned) })}
      </p>
      <h3>{t('notes.title')}</h3>
      {step.notes.trim() === '' ? <p className="hint">{t('notes.none')}</p> : <LessonText text={step.notes} />}
      {step.question?.answer !== undefined && <p className="lesson-answer-note">{t('notes.answer', { answer: answerText(step, step.question.answer) })}</p>}
      <p className="hint">{next ? t('notes.next', { title: next.title }) : t('notes.last')}</p>
    </aside>
  );
}

function answerText(step: LessonStepInfo, answer: string | number): string {
  const q = step.question;
  if (typeof answer === 'number' || !q) return String(answer);
  return q.choices.find((c) => c.id === answer)?.text ?? answer;
}

/** The question and the class's answers as they come in (the tally, whatever the reveal). */
function QuestionPanel({ step, view, revealed }: { step: LessonStepInfo; view: LessonView | null; revealed: boolean }) {
  const { t } = useTranslation('lessons');
  const q = step.question!;
  const tally = view?.tally;
  const total = tally?.total ?? view?.answers ?? 0;
  const truth = revealed ? (view?.truth?.answer ?? view?.truth?.measured) : undefined;
  const unit = q.unit ? t(`unit.${q.unit}`) : '';
  return (
    <div className="lesson-question" data-testid="lesson-question" data-question={q.id}>
      <p className="lesson-prompt" data-testid="lesson-prompt">
        {q.prompt}
      </p>
      <p className="lesson-total" data-testid="lesson-tally-total" data-total={total}>
        {t('tally.total', { count: total })}
        {revealed && tally?.right !== undefined && ` · ${t('tally.right', { count: tally.right })}`}
      </p>
      {q.kind === 'choice' ? (
        <ul className="lesson-tally">
          {q.choices.map((c) => {
            const n = tally?.counts?.[c.id] ?? 0;
            const isTruth = truth === c.id;
            return (
              <li key={c.id} className={isTruth ? 'truth' : ''} data-testid={`lesson-tally-${c.id}`} data-count={n} data-truth={isTruth}>
                <span className="lesson-choice">
                  {c.text}
                  {isTruth && <strong className="lesson-truth-mark"> {t('tally.truthMark')}</strong>}
                </span>
                <span className="lesson-bar" style={{ ['--share' as string]: total > 0 ? n / total : 0 }} aria-hidden="true" />
                <span className="lesson-n">{n}</span>
              </li>
            );
          })}
        </ul>
      ) : (
        <div className="lesson-numbers">
          <p className="hint">{t('tally.range', { min: q.min, max: q.max, unit })}</p>
          {tally?.values && tally.values.length > 0 && (
            <ul className="lesson-values" data-testid="lesson-values">
              {tally.values.map((v) => (
                <li key={v.value} className={typeof truth === 'number' && Math.abs(v.value - truth) <= (q.tolerance ?? 0) ? 'truth' : ''}>
                  <span>{v.value}</span>
                  <span className="lesson-n">×{v.count}</span>
                </li>
              ))}
            </ul>
          )}
          {tally?.median !== undefined && (
            <p data-testid="lesson-median" data-median={tally.median}>
              {t('tally.median', { value: tally.median, unit })}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/** The answer: the measured figure (or the fixed fact) highlighted, the caption, the figure on every lane. */
function RevealPanel({ step, view, measured }: { step: LessonStepInfo; view: LessonView | null; measured: string | number | null }) {
  const { t } = useTranslation('lessons');
  const labels = useTransportLabels();
  const q = step.question;
  const truth = view?.truth;
  const fact = truth?.answer;
  const value = truth?.measured ?? measured ?? undefined;
  const unit = q?.measured ? FIGURES[q.measured.figure].unit : (q?.unit ?? null);
  const shown = (v: string | number) => {
    if (typeof v === 'number') return `${v} ${unit ? t(`unit.${unit}`) : ''}`.trim();
    if (q?.kind === 'choice') return q.choices.find((c) => c.id === v)?.text ?? labels[v as TransportId] ?? v;
    return v;
  };
  return (
    <div className="lesson-reveal" data-testid="lesson-reveal-panel">
      {q?.measured && (
        <p className="lesson-truth" data-testid="lesson-measured" data-value={value ?? ''}>
          <span>{t('reveal.measured', { figure: t(`figure.${q.measured.figure}`) })}</span>{' '}
          <strong>{value === undefined ? t('reveal.notMeasured') : shown(value)}</strong>
        </p>
      )}
      {fact !== undefined && (
        <p className="lesson-truth" data-testid="lesson-fact" data-value={fact}>
          <span>{t('reveal.answer')}</span> <strong>{shown(fact)}</strong>
        </p>
      )}
      {step.reveal && <LessonText text={step.reveal.caption} className="lesson-caption" testId="lesson-caption" />}
      {step.reveal?.figure && <FigureTable figure={step.reveal.figure as FigureId} highlight={q?.measured?.lane ?? (typeof value === 'string' ? value : undefined)} />}
    </div>
  );
}

/** A figure on every lane of the dashboard, as it stands now; the lane the answer names stands out. */
function FigureTable({ figure, highlight }: { figure: FigureId; highlight: string | undefined }) {
  const { t } = useTranslation('lessons');
  const labels = useTransportLabels();
  const wb = useWorkbench();
  const lanes = useStore(wb.lanes);
  useStore(wb.measurements.changes);
  useStore(wb.sampler.changes);
  const info = FIGURES[figure];
  if (info.unit === null) return <p className="hint" data-testid="lesson-figure-where">{t(`where.${figure}`)}</p>;
  const unit = t(`unit.${info.unit}`);
  const rows = info.perLane ? lanes.map((l) => [l.transport, figureValue(wb, figure, l.transport)] as const) : [[null, figureValue(wb, figure, null)] as const];
  return (
    <table className="data lesson-figure" data-testid="lesson-figure" data-figure={figure}>
      <caption>{t(`figure.${figure}`)}</caption>
      <tbody>
        {rows.map(([lane, v]) => (
          <tr key={lane ?? 'room'} className={lane !== null && lane === highlight ? 'truth' : ''} data-lane={lane ?? ''}>
            <th style={lane ? { ['--lane' as string]: LANE_COLORS[lane] } : undefined}>{lane ? labels[lane] : t('figure.room')}</th>
            <td>{v === null || !Number.isFinite(v) ? '–' : `${roundFigure(v, info.unit)} ${unit}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
