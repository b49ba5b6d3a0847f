/**
 * Diagnostics: service health, requests over the live link (ping, SIP
 * OPTIONS, modem details), the live event log with a filter, and the
 * simulator shortcuts where the sim board provides them.
 */
import { useState } from 'preact/hooks';
import { useFetch, useLive } from '../api/hooks.ts';
import { api, describeError } from '../api/http-client.ts';
import { liveLink } from '../api/live-socket.ts';
import type { HealthReply } from '../api/types.ts';
import { useAction } from '../components/action.ts';
import { Badge, ErrorState, Loading, Notice } from '../components/status.tsx';
import { describeCheck, summariseEvent } from './dashboard-page.tsx';

export function DiagnosticsPage() {
  const health = useFetch<HealthReply>('/health', 5000);
  const live = useLive();
  return (
    <section aria-labelledby="diag-title">
      <h1 id="diag-title">Diagnostics</h1>
      <div class="grid">
        <article class="card" aria-labelledby="diag-health">
          <h2 id="diag-health">Service health</h2>
          {health.error && !health.data ? (
            <ErrorState error={health.error} what="Health" />
          ) : !health.data ? (
            <Loading />
          ) : (
            <>
              <p>
                Overall:{' '}
                <Badge tone={health.data.status === 'ok' ? 'ok' : 'warn'}>{health.data.status}</Badge>
              </p>
              <ul class="checks">
                {Object.entries(health.data.checks).map(([name, value]) => (
                  <li key={name}>
                    <span>{name}</span> <span class="muted small">{describeCheck(value)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </article>
        <LiveRequests liveOk={live.status === 'live'} />
      </div>
      <EventLog />
      <div class="grid">
        <PortTools />
        <AtConsole />
      </div>
      <article class="card" aria-labelledby="diag-more">
        <h2 id="diag-more">More tools</h2>
        <p class="muted">
          SIP traces with pcap download, the log tail and the support bundle appear here once their back ends
          are available on this firmware. On the sim board, the Simulator page drives the virtual phones, line
          and modem.
        </p>
      </article>
    </section>
  );
}

function LiveRequests(props: { liveOk: boolean }) {
  const action = useAction();
  const [target, setTarget] = useState('sip:127.0.0.1');
  const [modem, setModem] = useState('gsm1');
  const [result, setResult] = useState<string | undefined>(undefined);
  const ask = (method: string, payload: Record<string, unknown> = {}) =>
    void action.run(async () => {
      setResult(undefined);
      const data = await liveLink.request<unknown>(method, payload);
      setResult(JSON.stringify(data, null, 2));
    });
  return (
    <article class="card" aria-labelledby="diag-requests">
      <h2 id="diag-requests">Checks</h2>
      {!props.liveOk && (
        <Notice kind="warning">These checks run over the live link, which is unavailable.</Notice>
      )}
      <div class="button-row">
        <button type="button" disabled={!props.liveOk || action.busy} onClick={() => ask('diagnostics/ping')}>
          Ping the gateway
        </button>
      </div>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          ask('diagnostics/sip_options', { target });
        }}
      >
        <label for="diag-sip-target">SIP OPTIONS to</label>
        <input id="diag-sip-target" value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
        <button type="submit" disabled={!props.liveOk || action.busy}>
          Send OPTIONS
        </button>
      </form>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          ask('diagnostics/modem', { modem });
        }}
      >
        <label for="diag-modem">Modem details</label>
        <input id="diag-modem" value={modem} onInput={(e) => setModem(e.currentTarget.value)} />
        <button type="submit" disabled={!props.liveOk || action.busy}>
          Query
        </button>
      </form>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {result && <pre class="console">{result}</pre>}
    </article>
  );
}

function EventLog() {
  const live = useLive();
  const [filter, setFilter] = useState('');
  const events = live.events.filter((e) => !filter || e.event.includes(filter));
  const types = [...new Set(live.events.map((e) => e.event))].sort();
  return (
    <article class="card" aria-labelledby="diag-events">
      <h2 id="diag-events">Live events</h2>
      <div class="field">
        <label for="diag-event-filter">Show</label>
        <select id="diag-event-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
          <option value="">All events</option>
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      {live.status !== 'live' ? (
        <p class="muted">Live updates unavailable: events appear when the live link is up.</p>
      ) : events.length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <ul class="event-list" aria-live="polite">
          {events.slice(0, 50).map((e) => (
            <li key={`${e.receivedAtMs}-${e.event}`}>
              <time>{new Date(e.receivedAtMs).toLocaleTimeString()}</time> <strong>{e.event}</strong>{' '}
              <span class="muted">{summariseEvent(e.payload)}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

/**
 * Ring a phone or play a test tone on a port. Proposed routes (not in the
 * contract yet): POST /api/v1/diagnostics/ports/{id}/ring {seconds} and
 * POST /api/v1/diagnostics/ports/{id}/tone {tone, seconds}; a 404 shows the
 * not-available state.
 */
function PortTools() {
  const action = useAction();
  const [port, setPort] = useState('fxs1');
  const [tone, setTone] = useState('1004hz');
  const base = `/api/v1/diagnostics/ports/${encodeURIComponent(port)}`;
  return (
    <article class="card" aria-labelledby="diag-ports">
      <h2 id="diag-ports">Ports</h2>
      <div class="field">
        <label for="diag-port">Port</label>
        <input id="diag-port" value={port} onInput={(e) => setPort(e.currentTarget.value)} />
      </div>
      <div class="button-row">
        <button
          type="button"
          disabled={action.busy || !port}
          onClick={() =>
            void action.run(
              () => api.post(`${base}/ring`, { seconds: 10 }),
              undefined,
              `Ringing ${port} for 10 s.`,
            )
          }
        >
          Ring the phone
        </button>
      </div>
      <div class="field">
        <label for="diag-tone">Test tone</label>
        <select id="diag-tone" value={tone} onChange={(e) => setTone(e.currentTarget.value)}>
          <option value="1004hz">1004 Hz test tone</option>
          <option value="dial">Dial tone</option>
          <option value="busy">Busy tone</option>
          <option value="ringback">Ringback</option>
        </select>
      </div>
      <button
        type="button"
        class="secondary"
        disabled={action.busy || !port}
        onClick={() =>
          void action.run(
            () => api.post(`${base}/tone`, { tone, seconds: 5 }),
            undefined,
            `Playing ${tone} on ${port} for 5 s.`,
          )
        }
      >
        Play on the port
      </button>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {action.message && <Notice kind="success">{action.message}</Notice>}
    </article>
  );
}

/**
 * An AT console with history. Proposed route (not in the contract yet):
 * POST /api/v1/diagnostics/modems/{id}/at {command} → {response: string[] | string}.
 */
function AtConsole() {
  const [modem, setModem] = useState('gsm1');
  const [command, setCommand] = useState('AT+CSQ');
  const [lines, setLines] = useState<string[]>([]);
  const [history, setHistory] = useState<string[]>([]);
  const [cursor, setCursor] = useState(-1);
  const action = useAction();
  const send = (event: Event) => {
    event.preventDefault();
    const cmd = command.trim();
    if (!cmd) return;
    setHistory((h) => [cmd, ...h.filter((c) => c !== cmd)].slice(0, 50));
    setCursor(-1);
    void action.run(async () => {
      try {
        const reply = await api.post<{ response?: string[] | string }>(
          `/api/v1/diagnostics/modems/${encodeURIComponent(modem)}/at`,
          { command: cmd },
        );
        const out = Array.isArray(reply.response) ? reply.response : String(reply.response ?? '').split('\n');
        setLines((l) => [...l, `» ${cmd}`, ...out.map((o) => `« ${o}`)].slice(-200));
      } catch (err) {
        setLines((l) => [...l, `» ${cmd}`, `! ${describeError(err)}`].slice(-200));
        throw err;
      }
    });
  };
  const recall = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    event.preventDefault();
    const next = Math.max(-1, Math.min(history.length - 1, cursor + (event.key === 'ArrowUp' ? 1 : -1)));
    setCursor(next);
    setCommand(next === -1 ? '' : (history[next] ?? ''));
  };
  return (
    <form class="card" onSubmit={send} aria-labelledby="diag-at">
      <h2 id="diag-at">AT console</h2>
      <div class="field">
        <label for="diag-at-modem">Modem</label>
        <input id="diag-at-modem" value={modem} onInput={(e) => setModem(e.currentTarget.value)} />
      </div>
      <pre class="console" role="log" aria-label="AT console output">
        {lines.length ? lines.join('\n') : 'No commands sent yet.'}
      </pre>
      <div class="inline-form">
        <label for="diag-at-command">Command</label>
        <input
          id="diag-at-command"
          value={command}
          spellcheck={false}
          autocomplete="off"
          aria-describedby="diag-at-hint"
          onInput={(e) => setCommand(e.currentTarget.value)}
          onKeyDown={recall}
        />
        <button type="submit" disabled={action.busy}>
          Send command
        </button>
      </div>
      <span class="field-hint" id="diag-at-hint">
        Up and down arrows recall earlier commands.
      </span>
    </form>
  );
}
