// The Sec-WebSocket-Extensions header (RFC 6455 §9.1) and the permessage-deflate offer and
// answer (RFC 7692 §7.1), server side. Pure: a header value goes in, the agreed parameters
// and the answer's header value come out, with the reason each declined offer was declined.
//
// 9.1 extension-list = 1#extension
//     extension = extension-token *( ";" extension-param )
//     extension-param = token [ "=" (token | quoted-string) ]
//     "When using the quoted-string syntax variant, the value after quoted-string unescaping
//     MUST conform to the 'token' ABNF."

export interface ExtensionOffer {
  name: string;
  /** In the order sent; a parameter without "=" has the value true. */
  params: Array<[string, string | true]>;
}

// RFC 9110 5.6.2 tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The offers of one header value, in order; null when it does not follow 9.1's grammar. */
export function parseExtensions(header: string): ExtensionOffer[] | null {
  const offers: ExtensionOffer[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readToken = (): string | null => {
    const start = i;
    while (i < n && TOKEN.test(header[i]!)) i++;
    return i > start ? header.slice(start, i) : null;
  };
  const readQuoted = (): string | null => {
    i++; // the opening quote
    let out = '';
    while (i < n && header[i] !== '"') {
      if (header[i] === '\\') i++;
      if (i >= n) return null;
      out += header[i++];
    }
    if (i >= n) return null;
    i++;
    return out;
  };
  for (;;) {
    skipSpace();
    // 1#element allows empty list elements (RFC 9110 5.6.1): ", ," is skipped.
    if (header[i] === ',') {
      i++;
      continue;
    }
    if (i >= n) break;
    const name = readToken();
    if (name === null) return null;
    const offer: ExtensionOffer = { name: name.toLowerCase(), params: [] };
    skipSpace();
    while (header[i] === ';') {
      i++;
      skipSpace();
      const param = readToken();
      if (param === null) return null;
      skipSpace();
      let value: string | true = true;
      if (header[i] === '=') {
        i++;
        skipSpace();
        const raw = header[i] === '"' ? readQuoted() : readToken();
        if (raw === null || !TOKEN.test(raw)) return null;
        value = raw;
        skipSpace();
      }
      offer.params.push([param.toLowerCase(), value]);
    }
    offers.push(offer);
    if (i >= n) break;
    if (header[i] !== ',') return null;
    i++;
  }
  return offers;
}

// #region deflate-params
/** What both sides agreed (RFC 7692 7.1), as the server's answer states it. */
export interface DeflateParams {
  /** 7.1.1.1 the server starts every message with an empty LZ77 window. */
  serverNoContextTakeover: boolean;
  /** 7.1.1.2 the client does. */
  clientNoContextTakeover: boolean;
  /** 7.1.2.1 log2 of the server's LZ77 window (what the client's inflater must hold). */
  serverMaxWindowBits: number;
  /** 7.1.2.2 log2 of the client's LZ77 window (what the server's inflater must hold). */
  clientMaxWindowBits: number;
}

/** The server's own choices; each may only make the agreement cheaper, never claim what the client did not allow. */
export interface DeflatePolicy {
  /** Reset our compressor after every message even when the client allows takeover (less memory, worse ratio). */
  serverNoContextTakeover?: boolean;
  /** Ask the client to reset its compressor per message (7.1.1.2 "A server MAY include ... even if the offer doesn't include it"). */
  clientNoContextTakeover?: boolean;
  /** The largest window our compressor uses, 9–15. */
  serverMaxWindowBits?: number;
  /** The window we ask the client for when its offer allows it (client_max_window_bits), 9–15. */
  clientMaxWindowBits?: number;
}
// #endregion deflate-params

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** zlib cannot compress with a 256-byte window (it uses 512 bytes for windowBits 8). */
export const MIN_WINDOW_BITS = 9;
export const MAX_WINDOW_BITS = 15;

export interface DeflateAgreement {
  params: DeflateParams;
  /** The Sec-WebSocket-Extensions value of the 101 answer. */
  header: string;
}

export interface DeflateNegotiation {
  accepted: DeflateAgreement | null;
  /** Each permessage-deflate offer not taken, and why (the docs and the inspector show it). */
  declined: Array<{ offer: string; reason: string }>;
}

// 7.1.2.1 "This parameter has a decimal integer value without leading zeroes between 8 to 15,
// inclusive, indicating the base-2 logarithm of the LZ77 sliding window size".
function windowBits(value: string | true): number | null {
  if (value === true || !/^(8|9|1[0-5])$/.test(value)) return null;
  return Number(value);
}

function clampBits(bits: number | undefined): number {
  return Math.min(MAX_WINDOW_BITS, Math.max(MIN_WINDOW_BITS, Math.trunc(bits ?? MAX_WINDOW_BITS)));
}

function describe(offer: ExtensionOffer): string {
  return [offer.name, ...offer.params.map(([k, v]) => (v === true ? k : `${k}=${v}`))].join('; ');
}

// #region negotiate
/** One offer against our policy: the agreement, or the reason to decline it. */
function answerOffer(offer: ExtensionOffer, policy: DeflatePolicy): DeflateAgreement | string {
  const seen = new Map<string, string | true>();
  for (const [name, value] of offer.params) {
    // 7 "A server MUST decline an extension negotiation offer for this extension if any of the
    // following conditions are met: ... multiple extension parameters with the same name."
    if (seen.has(name)) return `${name} given twice`;
    seen.set(name, value);
  }
  let serverNoContextTakeover = policy.serverNoContextTakeover ?? false;
  let clientNoContextTakeover = policy.clientNoContextTakeover ?? false;
  let serverBits = clampBits(policy.serverMaxWindowBits);
  let clientBits: number | null = null;
  for (const [name, value] of seen) {
    switch (name) {
      // 7.1.1.1 / 7.1.1.2: the two takeover parameters have no value.
      case 'server_no_context_takeover':
        if (value !== true) return `${name} takes no value`;
        serverNoContextTakeover = true;
        break;
      case 'client_no_context_takeover':
        if (value !== true) return `${name} takes no value`;
        clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        // 7.1.2.1 the offer carries a value; the answer has "the same or smaller value as the offer".
        const bits = windowBits(value);
        if (bits === null) return `${name} needs a value from 8 to 15`;
        // 7 "... The server doesn't support the offered configuration."
        if (bits < MIN_WINDOW_BITS) return `${name}=8 cannot be honoured: zlib compresses with 9 bits at least`;
        serverBits = Math.min(serverBits, bits);
        break;
      }
      case 'client_max_window_bits': {
        // 7.1.2.2 "This parameter has no value or a decimal integer value without leading zeroes between 8 to 15".
        if (value === true) {
          clientBits = clampBits(policy.clientMaxWindowBits);
        } else {
          const bits = windowBits(value);
          if (bits === null) return `${name} has a value that is not 8 to 15`;
          // Never more than the client offered (the inflater itself holds at least 9 bits).
          clientBits = Math.min(bits, clampBits(policy.clientMaxWindowBits));
        }
        break;
      }
      default:
        // 7 "... an extension parameter not defined for use in an offer."
        return `unknown parameter ${name}`;
    }
  }
  const answer = [PERMESSAGE_DEFLATE];
  if (serverNoContextTakeover) answer.push('server_no_context_takeover');
  if (clientNoContextTakeover) answer.push('client_no_context_takeover');
  // 7.1.2.1 a server may limit its own window even when the offer did not ask it to.
  if (serverBits < MAX_WINDOW_BITS) answer.push(`server_max_window_bits=${serverBits}`);
  // 7.1.2.2 "If a received extension negotiation offer doesn't have the client_max_window_bits
  // extension parameter, the corresponding extension negotiation response to the offer MUST NOT
  // include the client_max_window_bits extension parameter." (clientBits is null then.)
  if (clientBits !== null) answer.push(`client_max_window_bits=${clientBits}`);
  return {
    params: {
      serverNoContextTakeover,
      clientNoContextTakeover,
      serverMaxWindowBits: serverBits,
      // Without client_max_window_bits in the answer the client may use up to 15 bits.
      clientMaxWindowBits: clientBits ?? MAX_WINDOW_BITS,
    },
    header: answer.join('; '),
  };
}

/**
 * The server's side of RFC 7692 7.1: the first permessage-deflate offer of the header that can
 * be accepted (the client lists them "in its preference order"), or none. Other extensions are
 * not ours and are left unanswered; a header that does not parse declines everything.
 */
export function negotiateDeflate(header: string | undefined, policy: DeflatePolicy = {}): DeflateNegotiation {
  const declined: DeflateNegotiation['declined'] = [];
  if (header === undefined || header.trim() === '') return { accepted: null, declined };
  const offers = parseExtensions(header);
  if (offers === null) return { accepted: null, declined: [{ offer: header.slice(0, 200), reason: 'not a valid Sec-WebSocket-Extensions value' }] };
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const answer = answerOffer(offer, policy);
    if (typeof answer !== 'string') return { accepted: answer, declined };
    declined.push({ offer: describe(offer), reason: answer });
  }
  return { accepted: null, declined };
}
// #endregion negotiate
