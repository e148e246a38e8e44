// The lesson signal on each wire form: a text frame `{"type":"lesson",…}` on a WebSocket, a
// named `lesson` event on an SSE stream (browsers hand it only to a listener of that name),
// a `"lesson"` field in every poll answer. It carries no text: a page that sees a new
// revision fetches GET /api/lesson in its own language.
import type { LessonSignal } from '@wirebench/transports/contract';
import { encodeNamedEvent } from '@wirebench/transports/sse';
import { encodeFrame, OPCODES } from '@wirebench/transports/ws';
import type { Chunk, WireForm } from '../room/wire.ts';
import type { LessonState } from './store.ts';

export function signalOf(state: LessonState, answers: number): LessonSignal {
  return { type: 'lesson', revision: state.revision, lessonId: state.lessonId, step: state.step, revealed: state.revealed, answers };
}

/** A signal serialised once per wire form, as the fan-out does with messages. */
export class WiredSignal {
  readonly json: string;
  private frameBytes: Uint8Array | undefined;
  private sseText: string | undefined;

  constructor(readonly signal: LessonSignal) {
    this.json = JSON.stringify(signal);
  }

  form(form: WireForm): Chunk {
    switch (form) {
      case 'json':
        return this.json;
      case 'frame':
        return (this.frameBytes ??= encodeFrame({ opcode: OPCODES.TEXT, payload: new TextEncoder().encode(this.json) }));
      case 'sse':
        return (this.sseText ??= encodeNamedEvent('lesson', this.json));
    }
  }

  /** The poll answers' field: `,"lesson":{…}` to put before the closing brace. */
  get pollField(): string {
    return `,"lesson":${this.json}`;
  }
}
