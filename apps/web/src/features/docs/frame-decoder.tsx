import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { explain, hexBytes, inflateFrames, type Explanation, type ExplainedFrame, type InflatedFrame, type Role } from './frame-explain.ts';

type ExampleKey = 'helloUnmasked' | 'helloMasked' | 'fragments' | 'ping' | 'close' | 'binaryHeader' | 'compressed';

const EXAMPLES: Array<[ExampleKey, string]> = [
  ['helloUnmasked', '81 05 48 65 6c 6c 6f'],
  ['helloMasked', '81 85 37 fa 21 3d 7f 9f 4d 51 58'],
  ['fragments', '01 03 48 65 6c 80 02 6c 6f'],
  ['ping', '89 05 48 65 6c 6c 6f'],
  ['close', '88 02 03 e8'],
  ['binaryHeader', '82 7e 01 00'],
  // RFC 7692 §7.2.3.1: "Hello" compressed, RSV1 set.
  ['compressed', 'c1 07 f2 48 cd c9 c9 07 00'],
];

const bit = (b: boolean) => (b ? '1' : '0');

function ExampleLabel({ name }: { name: ExampleKey }) {
  const { t } = useTranslation('docs');
  // One call per key, so the i18n tooling sees every key.
  const labels: Record<ExampleKey, string> = {
    helloUnmasked: t('frameDecoder.examples.helloUnmasked'),
    helloMasked: t('frameDecoder.examples.helloMasked'),
    fragments: t('frameDecoder.examples.fragments'),
    ping: t('frameDecoder.examples.ping'),
    close: t('frameDecoder.examples.close'),
    binaryHeader: t('frameDecoder.examples.binaryHeader'),
    compressed: t('frameDecoder.examples.compressed'),
  };
  return <>{labels[name]}</>;
}

/** RFC 7692: a compressed frame's payload inflated, or why not (null while inflating). */
function InflatedRows({ inflated, index }: { inflated: InflatedFrame | null | undefined; index: number }) {
  const { t } = useTranslation('docs');
  if (inflated === undefined) {
    return (
      <tr>
        <th>{t('frameDecoder.inflated')}</th>
        <td colSpan={2} className="hint">
          {t('frameDecoder.inflating')}
        </td>
      </tr>
    );
  }
  if (inflated === null) return null;
  if (inflated.failed || !inflated.bytes) {
    return (
      <tr>
        <th>{t('frameDecoder.inflated')}</th>
        <td colSpan={2} className="docs-error" data-testid={`frame-${index}-inflate-error`}>
          {t('frameDecoder.inflateFailed')}
        </td>
      </tr>
    );
  }
  return (
    <>
      <tr>
        <th>{t('frameDecoder.inflated')}</th>
        <td colSpan={2}>
          <code className="hex" data-testid={`frame-${index}-inflated`}>
            {hexBytes(inflated.bytes)}
          </code>{' '}
          <span className="hint">{t('frameDecoder.inflatedBytes', { count: inflated.bytes.length })}</span>
        </td>
      </tr>
      {inflated.text !== null && (
        <tr>
          <th>{t('frameDecoder.inflatedText')}</th>
          <td colSpan={2}>
            <q data-testid={`frame-${index}-inflated-text`}>{inflated.text}</q>
          </td>
        </tr>
      )}
    </>
  );
}

function FrameRows({ f, index, inflated }: { f: ExplainedFrame; index: number; inflated: InflatedFrame | null | undefined }) {
  const { t } = useTranslation('docs');
  const { frame } = f;
  const b0 = frame.headerBytes[0] ?? 0;
  const b1 = frame.headerBytes[1] ?? 0;
  const length = frame.payloadLength;
  const lengthText =
    frame.lengthForm === 7
      ? t('frameDecoder.length7', { length })
      : frame.lengthForm === 16
        ? t('frameDecoder.length16', { length })
        : t('frameDecoder.length64', { length });
  return (
    <div className="docs-scroll">
      <table className="frame-table" data-testid={`frame-${index}`}>
        <caption>
          {t('frameDecoder.frameTitle', { n: index + 1, opcode: f.opcodeName })} {frame.fin ? '' : t('frameDecoder.moreFragments')}
        </caption>
        <tbody>
          <tr>
            <th>{t('frameDecoder.byte0')}</th>
            <td>
              <code>{b0.toString(2).padStart(8, '0')}</code>
            </td>
            <td>
              FIN <b data-testid={`frame-${index}-fin`}>{bit(frame.fin)}</b>, RSV1 <b data-testid={`frame-${index}-rsv1`}>{bit(frame.rsv1)}</b>, RSV2{' '}
              {bit(frame.rsv2)}, RSV3 {bit(frame.rsv3)}, opcode{' '}
              <b data-testid={`frame-${index}-opcode`}>
                0x{frame.opcode.toString(16)} {f.opcodeName}
              </b>
              {frame.rsv1 && <span className="hint"> {t('frameDecoder.rsv1Compressed')}</span>}
            </td>
          </tr>
          <tr>
            <th>{t('frameDecoder.byte1')}</th>
            <td>
              <code>{b1.toString(2).padStart(8, '0')}</code>
            </td>
            <td>
              MASK <b data-testid={`frame-${index}-mask`}>{bit(frame.masked)}</b>, {t('frameDecoder.lengthField', { value: b1 & 0x7f })}
            </td>
          </tr>
          <tr>
            <th>{t('frameDecoder.length')}</th>
            <td colSpan={2} data-testid={`frame-${index}-length`}>
              {lengthText}
            </td>
          </tr>
          <tr>
            <th>{t('frameDecoder.maskKey')}</th>
            <td colSpan={2}>
              <code data-testid={`frame-${index}-maskkey`}>{frame.maskKey ? hexBytes(frame.maskKey) : t('frameDecoder.notMasked')}</code>
            </td>
          </tr>
          <tr>
            <th>{t('frameDecoder.wirePayload')}</th>
            <td colSpan={2}>
              <code className="hex">{hexBytes(frame.wirePayload ?? frame.payload)}</code>
            </td>
          </tr>
          {frame.masked && (
            <tr>
              <th>{t('frameDecoder.unmasked')}</th>
              <td colSpan={2}>
                <code className="hex" data-testid={`frame-${index}-unmasked`}>
                  {hexBytes(frame.payload)}
                </code>
              </td>
            </tr>
          )}
          {f.closeCode !== null && (
            <tr>
              <th>{t('frameDecoder.closeCode')}</th>
              <td colSpan={2}>{f.closeCode}</td>
            </tr>
          )}
          {inflated !== null && <InflatedRows inflated={inflated} index={index} />}
          {f.text !== null && inflated === null && (
            <tr>
              <th>{f.closeCode !== null ? t('frameDecoder.reason') : t('frameDecoder.text')}</th>
              <td colSpan={2}>
                <q data-testid={`frame-${index}-text`}>{f.text}</q>
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Paste bytes, see each frame decoded by the real FrameDecoder, bit by bit. */
export function FrameDecoderWidget() {
  const { t } = useTranslation('docs');
  const [hex, setHex] = useState(EXAMPLES[1]![1]);
  const [role, setRole] = useState<Role | 'auto'>('auto');
  const result = useMemo(() => explain(hex, role), [hex, role]);
  const waiting = result.state !== 'HEADER' && result.state !== 'FAILED';
  // Inflating is asynchronous (DecompressionStream): the frames show at once, their inflated payloads when ready.
  const [inflated, setInflated] = useState<{ of: Explanation; frames: Array<InflatedFrame | null> } | null>(null);
  const compressed = result.frames.some((f) => f.frame.rsv1);
  useEffect(() => {
    if (!compressed) return;
    let current = true;
    void inflateFrames(result.frames, result.role).then((frames) => {
      if (current) setInflated({ of: result, frames });
    });
    return () => {
      current = false;
    };
  }, [result, compressed]);
  const inflatedOf = (i: number): InflatedFrame | null | undefined => {
    if (!compressed) return null;
    if (inflated?.of !== result) return result.frames[i]!.frame.rsv1 || result.frames[i]!.frame.opcode === 0 ? undefined : null;
    return inflated.frames[i] ?? null;
  };

  return (
    <section className="widget" data-testid="frame-decoder" aria-label={t('frameDecoder.title')}>
      <h4>{t('frameDecoder.title')}</h4>
      <p className="examples">
        {EXAMPLES.map(([name, bytes]) => (
          <button key={name} onClick={() => setHex(bytes)}>
            <ExampleLabel name={name} />
          </button>
        ))}
      </p>
      <textarea value={hex} onChange={(e) => setHex(e.target.value)} rows={2} spellCheck={false} data-testid="fd-input" aria-label={t('frameDecoder.input')} />
      <label className="widget-field">
        {t('frameDecoder.decodeAs')}{' '}
        <select value={role} onChange={(e) => setRole(e.target.value as Role | 'auto')} data-testid="fd-role">
          <option value="auto">{t('frameDecoder.roleAuto')}</option>
          <option value="server">{t('frameDecoder.roleServer')}</option>
          <option value="client">{t('frameDecoder.roleClient')}</option>
        </select>
      </label>
      <p className="hint" data-testid="fd-summary">
        {t('frameDecoder.summary', { bytes: result.bytes.length, role: result.role, count: result.frames.length })}
        {waiting ? t('frameDecoder.incomplete', { state: result.state }) : ''}
      </p>
      {result.inputError === 'not-hex' && <p className="docs-error">{t('frameDecoder.notHex')}</p>}
      {result.inputError === 'odd-digits' && <p className="docs-error">{t('frameDecoder.oddDigits')}</p>}
      {result.frames.map((f, i) => (
        <FrameRows key={i} f={f} index={i} inflated={inflatedOf(i)} />
      ))}
      {result.error && (
        <p className="docs-error" data-testid="fd-error">
          {t('frameDecoder.protocolError', { code: result.error.code, message: result.error.message, closeCode: result.error.closeCode })}
        </p>
      )}
    </section>
  );
}
