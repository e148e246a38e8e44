import { useMemo, useState } from 'react';
import { explain, hexBytes, type ExplainedFrame, type Role } from './frame-explain.ts';

const EXAMPLES: Array<[string, string]> = [
  ['"Hello", unmasked (§5.7)', '81 05 48 65 6c 6c 6f'],
  ['"Hello", masked (§5.7)', '81 85 37 fa 21 3d 7f 9f 4d 51 58'],
  ['"Hel" + "lo" in two fragments', '01 03 48 65 6c 80 02 6c 6f'],
  ['ping "Hello"', '89 05 48 65 6c 6c 6f'],
  ['close 1000', '88 02 03 e8'],
  ['256-byte binary header', '82 7e 01 00'],
];

const bit = (b: boolean) => (b ? '1' : '0');

function FrameRows({ f, index }: { f: ExplainedFrame; index: number }) {
  const { frame } = f;
  const b0 = frame.headerBytes[0] ?? 0;
  const b1 = frame.headerBytes[1] ?? 0;
  const lengthText =
    frame.lengthForm === 7
      ? `7-bit field: ${frame.payloadLength}`
      : frame.lengthForm === 16
        ? `7-bit field 126, then 16 bits: ${frame.payloadLength}`
        : `7-bit field 127, then 64 bits: ${frame.payloadLength}`;
  return (
    <table className="frame-table" data-testid={`frame-${index}`}>
      <caption>
        Frame {index + 1}: {f.opcodeName} {frame.fin ? '' : '(FIN = 0: more fragments follow)'}
      </caption>
      <tbody>
        <tr>
          <th>byte 0</th>
          <td>
            <code>{b0.toString(2).padStart(8, '0')}</code>
          </td>
          <td>
            FIN <b data-testid={`frame-${index}-fin`}>{bit(frame.fin)}</b>, RSV1 {bit(frame.rsv1)}, RSV2 {bit(frame.rsv2)}, RSV3 {bit(frame.rsv3)}, opcode{' '}
            <b data-testid={`frame-${index}-opcode`}>
              0x{frame.opcode.toString(16)} {f.opcodeName}
            </b>
          </td>
        </tr>
        <tr>
          <th>byte 1</th>
          <td>
            <code>{b1.toString(2).padStart(8, '0')}</code>
          </td>
          <td>
            MASK <b data-testid={`frame-${index}-mask`}>{bit(frame.masked)}</b>, payload length {b1 & 0x7f}
          </td>
        </tr>
        <tr>
          <th>length</th>
          <td colSpan={2} data-testid={`frame-${index}-length`}>
            {lengthText} bytes
          </td>
        </tr>
        <tr>
          <th>mask key</th>
          <td colSpan={2}>
            <code data-testid={`frame-${index}-maskkey`}>{frame.maskKey ? hexBytes(frame.maskKey) : '(none: not masked)'}</code>
          </td>
        </tr>
        <tr>
          <th>payload on the wire</th>
          <td colSpan={2}>
            <code>{hexBytes(frame.wirePayload ?? frame.payload)}</code>
          </td>
        </tr>
        {frame.masked && (
          <tr>
            <th>unmasked (XOR key[i mod 4])</th>
            <td colSpan={2}>
              <code data-testid={`frame-${index}-unmasked`}>{hexBytes(frame.payload)}</code>
            </td>
          </tr>
        )}
        {f.closeCode !== null && (
          <tr>
            <th>close code</th>
            <td colSpan={2}>{f.closeCode}</td>
          </tr>
        )}
        {f.text !== null && (
          <tr>
            <th>{f.closeCode !== null ? 'reason' : 'text (UTF-8)'}</th>
            <td colSpan={2}>
              <q data-testid={`frame-${index}-text`}>{f.text}</q>
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

/** Paste bytes, see each frame decoded by the real FrameDecoder, bit by bit. */
export function FrameDecoderWidget() {
  const [hex, setHex] = useState(EXAMPLES[1]![1]);
  const [role, setRole] = useState<Role | 'auto'>('auto');
  const result = useMemo(() => explain(hex, role), [hex, role]);

  return (
    <section className="widget" data-testid="frame-decoder" aria-label="Frame decoder">
      <h4>Frame decoder</h4>
      <p className="examples">
        {EXAMPLES.map(([label, bytes]) => (
          <button key={label} onClick={() => setHex(bytes)}>
            {label}
          </button>
        ))}
      </p>
      <textarea value={hex} onChange={(e) => setHex(e.target.value)} rows={2} spellCheck={false} data-testid="fd-input" aria-label="frame bytes in hex" />
      <label>
        decode as{' '}
        <select value={role} onChange={(e) => setRole(e.target.value as Role | 'auto')} data-testid="fd-role">
          <option value="auto">auto (masked → sent by a client)</option>
          <option value="server">the server (frames from a client, must be masked)</option>
          <option value="client">the client (frames from a server, must not be masked)</option>
        </select>
      </label>
      <p className="hint" data-testid="fd-summary">
        {result.bytes.length} bytes, decoded by <code>FrameDecoder</code> in role “{result.role}”: {result.frames.length} frame(s)
        {result.state !== 'HEADER' && result.state !== 'FAILED' ? `; incomplete, the decoder waits in state ${result.state}` : ''}
      </p>
      {result.inputError && <p className="docs-error">{result.inputError}</p>}
      {result.frames.map((f, i) => (
        <FrameRows key={i} f={f} index={i} />
      ))}
      {result.error && (
        <p className="docs-error" data-testid="fd-error">
          {result.error.code}: {result.error.message}. The connection would be failed with close code {result.error.closeCode}.
        </p>
      )}
    </section>
  );
}
