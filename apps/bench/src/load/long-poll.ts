// The long-poll receiver: one held GET at a time, asked again as soon as it is answered.
import http from 'node:http';
import { TRANSPORTS } from '@wirebench/transports/contract';
import { countError, countRequest, scan } from './deliveries.ts';
import { agent, lastSeqOf } from './http.ts';
import { isClosing, track, type OpenReceiver } from './receiver.ts';

export const longPollReceiver: OpenReceiver = ({ base, after, longPollTimeoutMs }) =>
  new Promise((resolve, reject) => {
    let cursor = after;
    let current: http.ClientRequest | null = null;
    let first = true;
    const handle = { close: () => current?.destroy() };
    const poll = (): void => {
      if (isClosing()) return;
      const req = http.get(`${base}${TRANSPORTS['long-poll'].path}?after=${cursor}&timeout=${longPollTimeoutMs}`, { agent: agent() }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          countRequest();
          if (res.statusCode === 200) {
            scan(body);
            cursor = lastSeqOf(body, cursor);
          } else countError();
          poll();
        });
      });
      current = req;
      req.on('error', (err) => {
        countError();
        if (first) reject(err);
      });
      if (first) {
        // Held: the request is written once the socket is there; the driver checks the
        // server's connection count before it relies on the hold.
        req.once('socket', (s) => {
          const done = (): void => {
            first = false;
            track(handle);
            resolve();
          };
          if (s.connecting) s.once('connect', done);
          else done();
        });
      }
    };
    poll();
  });
