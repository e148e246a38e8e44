// The SSE receiver: one GET of the event stream kept open on the shared keep-alive agent.
import http from 'node:http';
import { TRANSPORTS } from '@wirebench/transports/contract';
import { countError, scan } from './deliveries.ts';
import { agent } from './http.ts';
import { track, type OpenReceiver } from './receiver.ts';

export const sseReceiver: OpenReceiver = ({ base, after }) =>
  new Promise((resolve, reject) => {
    const req = http.get(`${base}${TRANSPORTS.sse.path}?after=${after}`, { agent: agent() }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`SSE status ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buffered += d;
        const cut = buffered.lastIndexOf('\n\n');
        if (cut < 0) return;
        // SSE data lines hold the message JSON unchanged, so the same scan finds the bench text.
        scan(buffered.slice(0, cut));
        buffered = buffered.slice(cut + 2);
      });
      res.on('error', () => countError());
      track({ close: () => req.destroy() });
      resolve();
    });
    req.on('error', (err) => {
      countError();
      reject(err);
    });
  });
