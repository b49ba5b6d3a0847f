/**
 * The simulator panel (sim board only): the virtual phones on the FXS ports,
 * the virtual PSTN line on the FXO port and the virtual GSM network, driven
 * through /api/v1/sim/*. Each panel polls its device's state once a second.
 */
import { useState } from 'preact/hooks';
import { useFetch } from '../api/hooks.ts';
import { api } from '../api/http-client.ts';
import type { SimPhoneState, SimPstnState, SmsItem, SystemInfo } from '../api/types.ts';
import { useAction } from '../components/action.ts';
import { Badge, ErrorState, Notice, formatTime } from '../components/status.tsx';

interface SimConfig {
  lines?: { fxs?: { id: string; extension?: string }[]; fxo?: { id: string }[] };
  modems?: { id: string }[];
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function SimulatorPage(props: { system: SystemInfo | undefined }) {
  const config = useFetch<SimConfig>('/api/v1/config');
  if (props.system && props.system.board !== 'sim') {
    return (
      <section>
        <h1>Simulator</h1>
        <Notice kind="info">
          The simulator panel is only on the <code>sim</code> board (this box runs{' '}
          <code>{props.system.board}</code>
          ).
        </Notice>
      </section>
    );
  }
  const fxs = config.data?.lines?.fxs?.length
    ? config.data.lines.fxs.map((p) => ({ id: p.id, extension: p.extension }))
    : [
        { id: 'fxs1', extension: '201' },
        { id: 'fxs2', extension: '202' },
      ];
  const fxo = config.data?.lines?.fxo?.length ? config.data.lines.fxo.map((p) => p.id) : ['fxo1'];
  const modems = config.data?.modems?.length ? config.data.modems.map((m) => m.id) : ['gsm1'];
  return (
    <section aria-labelledby="sim-title">
      <h1 id="sim-title">Simulator</h1>
      <p class="muted">
        Virtual devices of the <code>sim</code> board. Lift a handset, dial another extension, call in from
        the PSTN or the GSM network, and watch the dashboard.
      </p>
      <h2>Phones</h2>
      <div class="grid">
        {fxs.map((p) => (
          <PhonePanel key={p.id} id={p.id} extension={p.extension} />
        ))}
      </div>
      <h2>PSTN line</h2>
      <div class="grid">
        {fxo.map((id) => (
          <PstnPanel key={id} id={id} />
        ))}
      </div>
      <h2>GSM network</h2>
      <div class="grid">
        {modems.map((id) => (
          <ModemPanel key={id} id={id} />
        ))}
      </div>
    </section>
  );
}

function callerIdText(callerId: SimPhoneState['callerId']): string {
  if (!callerId) return '';
  if (typeof callerId === 'string') return callerId;
  return [callerId.name, callerId.number].filter(Boolean).join(' ');
}

function PhonePanel(props: { id: string; extension?: string | undefined }) {
  const base = `/api/v1/sim/phones/${encodeURIComponent(props.id)}`;
  const state = useFetch<SimPhoneState>(base, 1000);
  const action = useAction();
  const [mode, setMode] = useState<'dtmf' | 'pulse'>('dtmf');
  const [number, setNumber] = useState('');
  const s = state.data;
  const headingId = `phone-${props.id}`;

  const post = (path: string, body: unknown = {}) =>
    action.run(() => api.post(`${base}${path}`, body), state.reload);
  const dial = (digits: string) => post('/dial', { digits, mode });

  return (
    <article class="card phone" aria-labelledby={headingId} data-phone={props.id}>
      <h3 id={headingId}>
        Phone {props.id}
        {props.extension && <span class="muted"> · ext. {props.extension}</span>}
      </h3>
      {state.error && !s ? (
        <ErrorState error={state.error} what={`Simulated phone ${props.id}`} />
      ) : (
        <>
          <div class="phone-display" aria-live="polite">
            <p>
              Hook: <strong data-field="hook">{s ? (s.hook === 'off' ? 'off hook' : 'on hook') : '…'}</strong>{' '}
              {s?.ringing && <Badge tone="warn">Ringing</Badge>}
            </p>
            <p>
              Caller ID: <strong data-field="caller-id">{callerIdText(s?.callerId) || '—'}</strong>
            </p>
            <p>
              Hears: <strong data-field="tone">{s?.heard?.tone || 'silence'}</strong>
              {s?.heard?.digits ? <span class="muted"> · digits {s.heard.digits}</span> : null}
            </p>
          </div>
          <div class="button-row">
            <button
              type="button"
              aria-pressed={s?.hook === 'off'}
              disabled={action.busy || !s}
              onClick={() => void post('/hook', { state: s?.hook === 'off' ? 'on' : 'off' })}
            >
              {s?.hook === 'off' ? 'Hang up' : 'Lift handset'}
            </button>
            <button
              type="button"
              class="secondary"
              disabled={action.busy || !s}
              onClick={() => void post('/flash')}
            >
              Flash
            </button>
          </div>
          <fieldset class="inline-choice">
            <legend>Dialling</legend>
            <label>
              <input
                type="radio"
                name={`mode-${props.id}`}
                checked={mode === 'dtmf'}
                onChange={() => setMode('dtmf')}
              />{' '}
              Tone (DTMF)
            </label>
            <label>
              <input
                type="radio"
                name={`mode-${props.id}`}
                checked={mode === 'pulse'}
                onChange={() => setMode('pulse')}
              />{' '}
              Pulse
            </label>
          </fieldset>
          <fieldset class="keypad">
            <legend class="visually-hidden">Keypad of {props.id}</legend>
            {KEYS.map((k) => (
              <button
                type="button"
                key={k}
                class="key"
                aria-label={`Dial ${k}`}
                disabled={action.busy || !s || (mode === 'pulse' && (k === '*' || k === '#'))}
                onClick={() => void dial(k)}
              >
                {k}
              </button>
            ))}
          </fieldset>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (number) void dial(number).then((ok) => ok && setNumber(''));
            }}
          >
            <label for={`dial-${props.id}`}>Number</label>
            <input
              id={`dial-${props.id}`}
              inputMode="tel"
              pattern="[0-9*#]+"
              value={number}
              onInput={(e) => setNumber(e.currentTarget.value)}
            />
            <button type="submit" disabled={action.busy || !s || !number}>
              Dial
            </button>
          </form>
          {action.error && <Notice kind="error">{action.error}</Notice>}
        </>
      )}
    </article>
  );
}

function PstnPanel(props: { id: string }) {
  const base = `/api/v1/sim/pstn/${encodeURIComponent(props.id)}`;
  const state = useFetch<SimPstnState>(base, 1000);
  const action = useAction();
  const [from, setFrom] = useState('5551234');
  const s = state.data;
  return (
    <article class="card" aria-labelledby={`pstn-${props.id}`} data-pstn={props.id}>
      <h3 id={`pstn-${props.id}`}>PSTN line on {props.id}</h3>
      {state.error && !s ? (
        <ErrorState error={state.error} what={`Simulated PSTN line ${props.id}`} />
      ) : (
        <>
          <p aria-live="polite">
            Line: <strong>{s ? (s.offHook ? 'answered (off hook)' : 'idle (on hook)') : '…'}</strong>
            {s?.dialed ? <span class="muted"> · box dialled {s.dialed}</span> : null}
          </p>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void action.run(() => api.post(`${base}/call`, { from }), state.reload);
            }}
          >
            <label for={`pstn-from-${props.id}`}>Caller ID</label>
            <input
              id={`pstn-from-${props.id}`}
              inputMode="tel"
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
            <button type="submit" disabled={action.busy || !from}>
              Call in
            </button>
            <button
              type="button"
              class="secondary"
              disabled={action.busy}
              onClick={() => void action.run(() => api.post(`${base}/hangup`), state.reload)}
            >
              Hang up
            </button>
          </form>
          {action.error && <Notice kind="error">{action.error}</Notice>}
        </>
      )}
    </article>
  );
}

function ModemPanel(props: { id: string }) {
  const base = `/api/v1/sim/modems/${encodeURIComponent(props.id)}`;
  const state = useFetch<Record<string, unknown>>(base, 2000);
  const sent = useFetch<{ items?: SmsItem[] } | SmsItem[]>(state.data ? `${base}/sent` : undefined, 2000);
  const sms = useAction();
  const call = useAction();
  const [from, setFrom] = useState('+15557654321');
  const [text, setText] = useState('Hello from the simulated network');
  const s = state.data;
  const sentItems = Array.isArray(sent.data) ? sent.data : (sent.data?.items ?? []);
  return (
    <article class="card" aria-labelledby={`modem-${props.id}`} data-modem={props.id}>
      <h3 id={`modem-${props.id}`}>Network of modem {props.id}</h3>
      {state.error && !s ? (
        <ErrorState error={state.error} what={`Simulated modem ${props.id}`} />
      ) : (
        <>
          {s && (
            <dl class="facts">
              {Object.entries(s)
                .filter(([, v]) => v === null || typeof v !== 'object')
                .flatMap(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{String(v)}</dd>])}
            </dl>
          )}
          <div class="field">
            <label for={`modem-from-${props.id}`}>From number</label>
            <input
              id={`modem-from-${props.id}`}
              inputMode="tel"
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          </div>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void sms.run(
                () => api.post(`${base}/sms`, { from, text }),
                state.reload,
                'SMS delivered to the modem.',
              );
            }}
          >
            <div class="field">
              <label for={`modem-text-${props.id}`}>SMS text to the box</label>
              <textarea
                id={`modem-text-${props.id}`}
                rows={2}
                value={text}
                onInput={(e) => setText(e.currentTarget.value)}
              />
            </div>
            <button type="submit" disabled={sms.busy || !from || !text}>
              Send SMS to the box
            </button>
          </form>
          {sms.error && <Notice kind="error">{sms.error}</Notice>}
          {sms.message && <Notice kind="success">{sms.message}</Notice>}
          <div class="button-row">
            <button
              type="button"
              disabled={call.busy || !from}
              onClick={() => void call.run(() => api.post(`${base}/call`, { from }), state.reload)}
            >
              Call in
            </button>
            <button
              type="button"
              class="secondary"
              disabled={call.busy}
              onClick={() => void call.run(() => api.post(`${base}/hangup`), state.reload)}
            >
              Hang up
            </button>
          </div>
          {call.error && <Notice kind="error">{call.error}</Notice>}
          <h4>SMS the modem sent</h4>
          {sentItems.length === 0 ? (
            <p class="muted">None yet.</p>
          ) : (
            <ul class="event-list" data-field="modem-sent">
              {sentItems.slice(-10).map((m, i) => (
                <li key={m.id ?? i}>
                  <strong>{m.number ?? (m as { to?: string }).to}</strong> {m.text}{' '}
                  <span class="muted small">{formatTime(m.time)}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </article>
  );
}
