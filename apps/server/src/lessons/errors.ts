// The lesson endpoints' own error: an answer to a question the class is not on, or one
// already revealed. Everything else is the contract's INVALID_BODY, TEACHER_ONLY, …
import createError from '@fastify/error';

export const QuestionClosed = createError<[string, string]>('QUESTION_CLOSED', 'question %s is not open for answers: %s', 409);
export const TooManyAnswers = createError<[string]>('RATE_LIMITED', 'question %s has as many answers as the room has clients', 429);
