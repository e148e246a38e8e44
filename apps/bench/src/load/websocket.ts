// ws-raw and ws-lib receivers: one `ws` client on the stack's chat path (the server's two
// WebSocket stacks speak the same protocol, so only the path differs).
import WebSocket from 'ws';
import { countError, scan } from './deliveries.ts';
import { wsBase } from './http.ts';
import { track, type OpenReceiver } from './receiver.ts';

export const webSocketReceiver =
  (path: string): OpenReceiver =>
  ({ base, after }) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${wsBase(base)}${path}?after=${after}`, { perMessageDeflate: false });
      ws.on('message', (data: Buffer) => scan(data.toString()));
      ws.once('open', () => {
        track({ close: () => ws.terminate() });
        resolve();
      });
      ws.on('error', (err) => {
        countError();
        reject(err);
      });
    });
