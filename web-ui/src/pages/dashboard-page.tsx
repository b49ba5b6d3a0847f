/**
 * The dashboard: ports, modems, SIP accounts, calls in progress and system
 * health, live from the socket's state snapshots. Without the socket it
 * polls /health and /api/v1/system and lists the configured ports.
 */
import { useFetch, useLive, useNow } from '../api/hooks.ts';
import type {
  ActiveCall,
  ActiveCallInfo,
  CallsState,
  ComponentState,
  HealthReply,
  ModemState,
  PortState,
  SipAccountState,
  SystemInfo,
  SystemState,
} from '../api/types.ts';
import { Badge, ErrorState, formatDuration, formatUptime } from '../components/status.tsx';

type Entry<S> = [string, S];

function byKind<K extends ComponentState['kind']>(
  components: Record<string, ComponentState>,
  kinds: K[],
): Entry<Extract<ComponentState, { kind: K }>>[] {
  return Object.entries(components)
    .filter(([, s]) => (kinds as string[]).includes(s.kind))
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })) as Entry<
    Extract<ComponentState, { kind: K }>
  >[];
}

export function DashboardPage() {
  const live = useLive();
  const polling = live.status !== 'live';
  const health = useFetch<HealthReply>('/health', polling ? 5000 : 30_000);
  const system = useFetch<SystemInfo>('/api/v1/system', polling ? 5000 : 60_000);
  const config = useFetch<{
    lines?: { fxs?: { id: string; extension: string }[]; fxo?: { id: string }[] };
    modems?: { id: string }[];
    sip?: { trunks?: { id: string }[] };
  }>(polling ? '/api/v1/config' : undefined);

  const ports = byKind(live.components, ['fxs', 'fxo']);
  const modems = byKind(live.components, ['modem']);
  const sip = byKind(live.components, ['sip']);
  const calls = useActiveCalls(!polling, live.components);
  const systemState = byKind(live.components, ['system'])[0]?.[1] as SystemState | undefined;

  const configured = [
    ...(config.data?.lines?.fxs ?? []).map((p) => p.id),
    ...(config.data?.lines?.fxo ?? []).map((p) => p.id),
    ...(config.data?.modems ?? []).map((m) => m.id),
    ...(config.data?.sip?.trunks ?? []).map((t) => `sip-${t.id}`),
  ];

  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboard</h1>
      {polling && (
        <p class="notice notice-warning" role="status">
          {live.status === 'connecting'
            ? 'Connecting to live updates…'
            : 'Live updates unavailable: health and calls are polled every few seconds; port, modem and SIP states need the live link.'}
        </p>
      )}
      <div class="grid">
        <article class="card" aria-labelledby="dash-ports">
          <h2 id="dash-ports">Analog ports</h2>
          {ports.length === 0 ? (
            <EmptyState polling={polling} ids={configured.filter((id) => /^fx[so]/.test(id))} />
          ) : (
            <ul class="status-list">
              {ports.map(([id, port]) => (
                <PortRow key={id} id={id} port={port as PortState} />
              ))}
            </ul>
          )}
        </article>
        <article class="card" aria-labelledby="dash-modems">
          <h2 id="dash-modems">GSM modems</h2>
          {modems.length === 0 ? (
            <EmptyState polling={polling} ids={configured.filter((id) => id.startsWith('gsm'))} />
          ) : (
            <ul class="status-list">
              {modems.map(([id, modem]) => (
                <ModemRow key={id} id={id} modem={modem as ModemState} />
              ))}
            </ul>
          )}
        </article>
        <article class="card" aria-labelledby="dash-sip">
          <h2 id="dash-sip">SIP accounts</h2>
          {sip.length === 0 ? (
            <EmptyState polling={polling} ids={configured.filter((id) => id.startsWith('sip'))} />
          ) : (
            <ul class="status-list">
              {sip.map(([id, account]) => (
                <SipRow key={id} id={id} account={account as SipAccountState} />
              ))}
            </ul>
          )}
        </article>
        <article class="card" aria-labelledby="dash-system">
          <h2 id="dash-system">System</h2>
          <SystemCard
            state={systemState}
            info={system.data}
            health={health.data}
            healthError={health.error}
          />
        </article>
      </div>
      <article class="card" aria-labelledby="dash-calls">
        <h2 id="dash-calls">Calls in progress</h2>
        <CallsTable rows={calls.rows} error={calls.error} />
      </article>
      {live.events.length > 0 && (
        <article class="card" aria-labelledby="dash-events">
          <h2 id="dash-events">Recent events</h2>
          <ul class="event-list">
            {live.events.slice(0, 8).map((e) => (
              <li key={`${e.receivedAtMs}-${e.event}`}>
                <time>{new Date(e.receivedAtMs).toLocaleTimeString()}</time> <strong>{e.event}</strong>{' '}
                <span class="muted">{summariseEvent(e.payload)}</span>
              </li>
            ))}
          </ul>
        </article>
      )}
    </section>
  );
}

function EmptyState(props: { polling: boolean; ids: string[] }) {
  if (!props.polling) return <p class="muted">None on this box.</p>;
  if (props.ids.length === 0) return <p class="muted">State unknown without live updates.</p>;
  return (
    <ul class="status-list">
      {props.ids.map((id) => (
        <li key={id}>
          <span class="item-name">{id}</span> <Badge tone="neutral">state unknown</Badge>
        </li>
      ))}
    </ul>
  );
}

function PortRow(props: { id: string; port: PortState }) {
  const p = props.port;
  const status = p.failed
    ? (['bad', `Failed${p.failure ? `: ${p.failure}` : ''}`] as const)
    : p.inCall
      ? (['info', 'In call'] as const)
      : p.ringing
        ? (['warn', 'Ringing'] as const)
        : p.hook === 'off'
          ? (['info', 'Off hook'] as const)
          : (['ok', 'Idle'] as const);
  return (
    <li data-component={props.id}>
      <span class="item-name">
        {props.id} <span class="muted">{p.kind.toUpperCase()}</span>
        {p.number && <span class="muted"> · {p.number}</span>}
      </span>
      <Badge tone={status[0]}>{status[1]}</Badge>
      <span class="muted small">{p.hook === 'off' ? 'off hook' : 'on hook'}</span>
    </li>
  );
}

/** 0–4 bars from the received signal level, as phones show it. */
export function signalBars(dbm: number | undefined): number {
  if (dbm === undefined) return 0;
  if (dbm >= -73) return 4;
  if (dbm >= -83) return 3;
  if (dbm >= -93) return 2;
  if (dbm >= -105) return 1;
  return 0;
}

export function SignalBars(props: { dbm: number | undefined }) {
  const bars = signalBars(props.dbm);
  return (
    <span class="signal" title={`${bars} of 4 bars`}>
      <span class={`bars bars-${bars}`} aria-hidden="true">
        <i />
        <i />
        <i />
        <i />
      </span>
      <span>{props.dbm === undefined ? 'no signal' : `${props.dbm} dBm`}</span>
    </span>
  );
}

function ModemRow(props: { id: string; modem: ModemState }) {
  const m = props.modem;
  const registered = m.registration === 'home' || m.registration === 'roaming';
  return (
    <li data-component={props.id}>
      <span class="item-name">
        {props.id}
        {m.model && <span class="muted"> · {m.model}</span>}
      </span>
      <Badge tone={!m.online ? 'bad' : registered ? 'ok' : 'warn'}>
        {!m.online ? 'Lost' : registered ? `Registered (${m.registration})` : m.registration}
      </Badge>
      <span class="small">
        SIM {m.sim} · {m.operator ?? 'no operator'} {m.technology ? `· ${m.technology}` : ''}
      </span>
      <SignalBars dbm={m.signalDbm} />
      {m.smsQueueDepth ? <span class="small muted">{m.smsQueueDepth} SMS queued</span> : null}
    </li>
  );
}

function SipRow(props: { id: string; account: SipAccountState }) {
  const a = props.account;
  return (
    <li data-component={props.id}>
      <span class="item-name">{props.id.replace(/^sip[-/]/, '')}</span>
      <Badge tone={a.registered ? 'ok' : 'bad'}>{a.registered ? 'Registered' : 'Not registered'}</Badge>
      {a.registrar && <span class="small muted">{a.registrar}</span>}
      {a.expiresS !== undefined && <span class="small muted">expires in {a.expiresS} s</span>}
      {a.lastError && <span class="small field-error">{a.lastError}</span>}
    </li>
  );
}

function SystemCard(props: {
  state: SystemState | undefined;
  info: SystemInfo | undefined;
  health: HealthReply | undefined;
  healthError: Error | undefined;
}) {
  const s = props.state;
  const checks = Object.entries(props.health?.checks ?? {});
  return (
    <div>
      <p>
        Health:{' '}
        {props.health ? (
          <Badge tone={props.health.status === 'ok' ? 'ok' : 'warn'}>{props.health.status}</Badge>
        ) : props.healthError ? (
          <Badge tone="bad">unreachable</Badge>
        ) : (
          '…'
        )}
      </p>
      <dl class="facts">
        <dt>Version</dt>
        <dd>{s?.version ?? props.info?.version ?? '—'}</dd>
        <dt>Board</dt>
        <dd>{props.info?.board ?? '—'}</dd>
        <dt>Uptime</dt>
        <dd>{formatUptime(s?.uptimeS ?? props.info?.uptimeS ?? 0)}</dd>
        {s?.cpuPct !== undefined && (
          <>
            <dt>CPU</dt>
            <dd>{s.cpuPct.toFixed(0)} %</dd>
          </>
        )}
        {s?.memUsedPct !== undefined && (
          <>
            <dt>Memory</dt>
            <dd>{s.memUsedPct.toFixed(0)} %</dd>
          </>
        )}
        {s?.diskUsedPct !== undefined && (
          <>
            <dt>Disk</dt>
            <dd>{s.diskUsedPct.toFixed(0)} %</dd>
          </>
        )}
        {s?.temperatureC !== undefined && (
          <>
            <dt>Temperature</dt>
            <dd>{s.temperatureC.toFixed(0)} °C</dd>
          </>
        )}
      </dl>
      {checks.length > 0 && (
        <ul class="checks">
          {checks.map(([name, value]) => (
            <li key={name}>
              <span>{name}</span> <span class="muted small">{describeCheck(value)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function describeCheck(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.status === 'string') return v.detail ? `${v.status}: ${String(v.detail)}` : v.status;
    if (typeof v.ok === 'boolean') return v.ok ? 'ok' : `failing${v.message ? `: ${String(v.message)}` : ''}`;
    return JSON.stringify(value);
  }
  return '—';
}

/** A call in progress from either source: the socket's `calls` state or GET /api/v1/calls/active. */
export interface CallRow {
  callId: string;
  from: string;
  to: string;
  state: string;
  startedAt: number;
  answeredAt: number | null;
  mos: number | undefined;
}

export function callRows(live: ActiveCall[], polled: ActiveCallInfo[] | undefined): CallRow[] {
  if (live.length > 0 || !polled)
    return live.map((c) => ({
      callId: c.callId,
      from: c.from,
      to: c.to,
      state: c.answered ? 'answered' : 'ringing',
      startedAt: c.startedAt,
      answeredAt: c.answered ? c.startedAt : null,
      mos: c.quality?.mos,
    }));
  return polled.map((c) => ({
    callId: c.callId,
    from: c.callerNumber ? `${c.callerNumber} (${c.from})` : c.from,
    to: c.dialed ? `${c.dialed} → ${c.to || '?'}` : c.to,
    state: c.state,
    startedAt: c.startedAt,
    answeredAt: c.answeredAt,
    mos: c.quality?.mos,
  }));
}

/**
 * Calls in progress: live from the socket, else polled from
 * /api/v1/calls/active every 2 s (so a call shows without the live link).
 */
export function useActiveCalls(
  liveOk: boolean,
  components: Record<string, ComponentState>,
): {
  rows: CallRow[];
  error: unknown;
} {
  const live = Object.values(components)
    .filter((s): s is CallsState => s.kind === 'calls')
    .flatMap((s) => s.active ?? []);
  const polled = useFetch<{ items: ActiveCallInfo[] }>(liveOk ? undefined : '/api/v1/calls/active', 2000);
  return {
    rows: callRows(live, liveOk ? undefined : polled.data?.items),
    error: liveOk ? undefined : polled.error,
  };
}

export function CallsTable(props: { rows: CallRow[]; error?: unknown }) {
  const now = useNow(1000);
  if (props.error && props.rows.length === 0)
    return <ErrorState error={props.error} what="Calls in progress" />;
  if (props.rows.length === 0) return <p class="muted">No calls in progress.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Calls in progress</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">State</th>
            <th scope="col">Duration</th>
            <th scope="col">MOS</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((c) => (
            <tr key={c.callId} data-call={c.callId}>
              <td>{c.from}</td>
              <td>{c.to}</td>
              <td>{c.state}</td>
              <td class="duration">
                {c.answeredAt !== null ? formatDuration((now - c.answeredAt) / 1000) : '—'}
              </td>
              <td class="mos">{c.mos !== undefined ? c.mos.toFixed(2) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function summariseEvent(payload: Record<string, unknown>): string {
  const keys = ['from', 'to', 'modem', 'port', 'subject', 'reason', 'message', 'text'];
  return keys
    .filter((k) => payload[k] !== undefined)
    .map((k) => `${k}: ${String(payload[k]).slice(0, 60)}`)
    .join(' · ');
}
