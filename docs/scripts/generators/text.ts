// Helpers every generator shares: hex dumps and the two-language rendering.
import { LANGUAGES, type Language, type Localised } from '../languages.ts';

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A generator's text in every language, rendered from the same data. */
export function localised(render: (language: Language) => string): Localised {
  return Object.fromEntries(LANGUAGES.map((l) => [l, render(l)])) as Localised;
}
