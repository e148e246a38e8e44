// Generated blocks: every table, hex dump, diagram and transcript in the chapters that comes
// from code. Each generator returns Markdown; excerpts.ts puts it between
// `<!-- generated: name -->` and `<!-- /generated -->` in both languages. A generator whose
// text has prose returns one rendering per language ({ en, 'zh-CN' }); one whose text is the
// machine's own (a terminal, JSON, HTTP) returns a single string for both. Output must be the
// same on every run: ids and times from the real server are replaced by placeholders.
import { readSnapshot } from './bench-snapshot.ts';
import type { Generated } from './languages.ts';
import { renderHeadlines, renderSummary, renderTargets } from './generators/bench.ts';
import { configTable, infoJoinUrls, startupTranscript } from './generators/config.ts';
import { httpErrorTable } from './generators/http-errors.ts';
import { measuredTable } from './generators/measured.ts';
import { roomTranscript, wsEchoTranscript } from './generators/server-runs.ts';
import { clientDiagram, stateDiagram, stateTable } from './generators/state-machines.ts';
import { localised } from './generators/text.ts';
import { closeCodeTable, decodedMaskedHello, handshakeSteps, rfcFrames, wsErrorTable } from './generators/websocket.ts';

export type Generator = (root: string) => Generated | Promise<Generated>;

export const GENERATORS: Record<string, Generator> = {
  'handshake-steps': handshakeSteps,
  'ws-echo-transcript': wsEchoTranscript,
  'rfc-frames': rfcFrames,
  'decoded-masked-hello': decodedMaskedHello,
  'ws-errors': () => wsErrorTable('frames'),
  'ws-handshake-errors': () => wsErrorTable('handshake'),
  'close-codes': closeCodeTable,
  'http-errors': httpErrorTable,
  'state-diagram': stateDiagram,
  'client-diagram': clientDiagram,
  'state-table': stateTable,
  'config-table': configTable,
  'room-transcript': roomTranscript,
  'startup-lines': startupTranscript,
  'info-join-urls': infoJoinUrls,
  'measured-costs': measuredTable,
  // docs/data/bench-snapshot.json, distilled from a pnpm bench report by bench-snapshot.ts
  'bench-targets': (root) => localised((l) => renderTargets(readSnapshot(root), l)),
  'bench-headlines': (root) => localised((l) => renderHeadlines(readSnapshot(root), l)),
  'bench-summary': (root) => localised((l) => renderSummary(readSnapshot(root), l)),
};
