// The chat protocol over a WebSocket, shared by both stacks (ws-raw, ws-lib):
// the welcome, and one client text frame in, its answer frame out.
import type { Epoch, ServerChatFrame, TransportId, WelcomeFrame } from '@wirebench/transports/contract';
import { InvalidBody, toWireError } from '../errors.ts';
import { parseJsonText } from '../http/json.ts';
import type { Identity, Room } from '../room/room.ts';

export interface ChatSender {
  clientId: string;
  /** Proven by the handshake (or given by the welcome). */
  clientSecret: string;
  via: TransportId;
  address: string;
}

/** Answers one client frame: an ack, or an error object (the connection stays open). */
export async function answerChatFrame(room: Room, sender: ChatSender, text: string): Promise<ServerChatFrame> {
  try {
    const frame = parseJsonText(text);
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new InvalidBody('frame must be a JSON object');
    const f = frame as Record<string, unknown>;
    if (f.type !== 'send') throw new InvalidBody('frame type must be "send"');
    const { clientId, clientSecret, via, address } = sender;
    const { message } = await room.send({ clientId, clientSecret, text: f.text, clientMsgId: f.clientMsgId, name: f.name, via, address });
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

/** The first frame of a chat connection: the identity (its secret to its owner alone), the head, and the process serving it. */
export function welcome(identity: Identity, head: { lastSeq: number; epoch: Epoch; truncated: boolean }, node: string): string {
  const { clientId, clientSecret } = identity;
  const frame: WelcomeFrame = { type: 'welcome', clientId, clientSecret, lastSeq: head.lastSeq, epoch: head.epoch, node };
  if (head.truncated) frame.truncated = true;
  return JSON.stringify(frame);
}
