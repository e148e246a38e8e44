// CONTRACT v2 "lessons": the lessons, what the class sees now, the teacher's control and the
// class's answers. The state lives in a LessonStore (lessons/store.ts); the rules in
// lessons/service.ts. `lang` is en (the default) or zh-CN; anything else is 400 INVALID_QUERY.
import type { FastifyPluginAsync } from 'fastify';
import type { LessonAnswerRequest, LessonControl, LessonLang } from '@wirebench/transports/contract';
import { LESSON_LANGUAGES } from '@wirebench/transports/lessons';
import type { ServerContext } from '../context.ts';
import type { LessonService } from '../lessons/service.ts';

const langQuery = {
  type: 'object',
  properties: { lang: { type: 'string', enum: [...LESSON_LANGUAGES] } },
} as const;

const controlBody = {
  type: 'object',
  required: ['lessonId', 'step'],
  properties: {
    lessonId: { anyOf: [{ type: 'string', minLength: 1, maxLength: 200 }, { type: 'null' }] },
    step: { type: 'integer', minimum: 0, maximum: 10_000 },
    revealed: { type: 'boolean' },
    measured: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }, { type: 'null' }] },
  },
} as const;

const answerBody = {
  type: 'object',
  required: ['clientId', 'questionId', 'choice'],
  properties: {
    clientId: { type: 'string', minLength: 1, maxLength: 200 },
    clientSecret: { type: 'string', maxLength: 200 },
    questionId: { type: 'string', minLength: 1, maxLength: 200 },
    choice: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }] },
  },
} as const;

interface LangQuery {
  lang?: LessonLang;
}

export function lessonRoutes(lessons: LessonService): FastifyPluginAsync<ServerContext> {
  return async (app, ctx) => {
    const { teacher, room } = ctx;
    app.addHook('onClose', async () => lessons.close());

    app.get<{ Querystring: LangQuery }>('/api/lessons', { schema: { querystring: langQuery } }, async (request) =>
      lessons.list(request.query.lang ?? 'en', teacher.isTeacher(request)),
    );

    app.get<{ Querystring: LangQuery }>('/api/lesson', { schema: { querystring: langQuery } }, async (request) =>
      lessons.view(request.query.lang ?? 'en', teacher.isTeacher(request)),
    );

    app.post<{ Querystring: LangQuery; Body: LessonControl }>(
      '/api/lesson',
      { onRequest: teacher.only, schema: { querystring: langQuery, body: controlBody } },
      async (request) => lessons.control(request.body, request.query.lang ?? 'en'),
    );

    app.post<{ Body: Omit<LessonAnswerRequest, 'clientSecret'> & { clientSecret?: string } }>(
      '/api/lesson/answer',
      { schema: { body: answerBody } },
      async (request, reply) => {
        const { clientId, clientSecret, questionId, choice } = request.body;
        // Answering is acting as the client: its own secret (403 NOT_YOUR_CLIENT, 404 UNKNOWN_CLIENT).
        await room.authenticate(clientId, clientSecret);
        await room.touch(clientId);
        return reply.code(201).send(await lessons.answer(clientId, questionId, choice));
      },
    );
  };
}
