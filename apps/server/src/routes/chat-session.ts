// The chat protocol over a WebSocket, shared by both stacks (ws-raw, ws-lib):
// one text frame in, the answer frame out.
import type { ChatMessage, ServerChatFrame, TransportId, WelcomeFrame } from '@wirebench/transports/contract';
import { InvalidBody, toWireError } from '../errors.ts';
import type { Room } from '../room/room.ts';

/** Answers one client frame: an ack, or an error object (the connection stays open). */
export function answerChatFrame(room: Room, clientId: string, via: TransportId, text: string): ServerChatFrame {
  try {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      throw new InvalidBody('frame is not JSON');
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new InvalidBody('frame must be a JSON object');
    const f = frame as Record<string, unknown>;
    if (f.type !== 'send') throw new InvalidBody('frame type must be "send"');
    const { message } = room.send({ clientId, text: f.text, clientMsgId: f.clientMsgId, name: f.name, via });
    return { type: 'ack', clientMsgId: message.clientMsgId, seq: message.seq };
  } catch (err) {
    const { code, message } = toWireError(err);
    return { type: 'error', code, message };
  }
}

export const binaryChatFrame: ServerChatFrame = {
  type: 'error',
  code: 'INVALID_BODY',
  message: 'chat frames are text frames holding JSON',
};

/** What a chat connection is greeted with: its welcome, then the history or the replay after `after`. */
export function greeting(room: Room, clientId: string, after: number | undefined): { welcome: WelcomeFrame; messages: ChatMessage[] } {
  const replay = room.replay(after);
  const welcome: WelcomeFrame = { type: 'welcome', clientId, lastSeq: replay.lastSeq };
  if (replay.truncated) welcome.truncated = true;
  return { welcome, messages: replay.messages };
}
