// The short-poll receiver: a GET every pollIntervalMs, never two at once.
import { TRANSPORTS } from '@wirebench/transports/contract';
import { countError, countRequest, scan } from './deliveries.ts';
import { getText, lastSeqOf } from './http.ts';
import { isClosing, track, type OpenReceiver } from './receiver.ts';

export const shortPollReceiver: OpenReceiver = ({ base, after, pollIntervalMs }) =>
  new Promise((resolve, reject) => {
    let cursor = after;
    let inFlight = false;
    let timer: NodeJS.Timeout | undefined;
    let first = true;
    const handle = {
      close: () => {
        if (timer) clearInterval(timer);
      },
    };
    const poll = (): void => {
      if (inFlight || isClosing()) return;
      inFlight = true;
      getText(`${base}${TRANSPORTS['short-poll'].path}?after=${cursor}`).then(
        ({ status, body }) => {
          inFlight = false;
          countRequest();
          if (status === 200) {
            scan(body);
            cursor = lastSeqOf(body, cursor);
          } else countError();
          if (first) {
            first = false;
            track(handle);
            resolve();
            // pollIntervalMs 0: one poll, then an idle keep-alive socket (the idle-cost case).
            if (pollIntervalMs > 0) {
              // A random phase so the clients do not poll in lockstep.
              setTimeout(() => {
                if (isClosing()) return;
                poll();
                timer = setInterval(poll, pollIntervalMs);
              }, Math.random() * pollIntervalMs);
            }
          }
        },
        (err: Error) => {
          inFlight = false;
          countError();
          if (first) reject(err);
        },
      );
    };
    poll();
  });
