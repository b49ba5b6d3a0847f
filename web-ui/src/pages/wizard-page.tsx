/**
 * First steps after setup: country and time zone, a SIP trunk, the modem's
 * SIM PIN, MQTT. Each step saves through PATCH /api/v1/config and shows the
 * live check that proves it (trunk registered, SIM ready and signal, broker).
 */
import { useState } from 'preact/hooks';
import { useFetch, useLive } from '../api/hooks.ts';
import { ApiError, api, describeError } from '../api/http-client.ts';
import type { HealthReply, ModemState, SipAccountState } from '../api/types.ts';
import { Link } from '../components/link.tsx';
import { Badge, Loading, Notice } from '../components/status.tsx';
import { navigate } from '../router.ts';
import { SignalBars, describeCheck } from './dashboard-page.tsx';

interface WizardConfig {
  country?: string;
  timezone?: string;
  sip?: { trunks?: Record<string, unknown>[] };
  modems?: { id: string; pin?: string }[];
  mqtt?: { enabled?: boolean; url?: string };
}

const COUNTRIES: [string, string][] = [
  ['us', 'United States'],
  ['ca', 'Canada'],
  ['gb', 'United Kingdom'],
  ['ie', 'Ireland'],
  ['de', 'Germany'],
  ['fr', 'France'],
  ['it', 'Italy'],
  ['es', 'Spain'],
  ['nl', 'Netherlands'],
  ['be', 'Belgium'],
  ['ch', 'Switzerland'],
  ['at', 'Austria'],
  ['se', 'Sweden'],
  ['no', 'Norway'],
  ['dk', 'Denmark'],
  ['pl', 'Poland'],
  ['pt', 'Portugal'],
  ['au', 'Australia'],
  ['nz', 'New Zealand'],
  ['br', 'Brazil'],
  ['in', 'India'],
  ['za', 'South Africa'],
  ['jp', 'Japan'],
];

const STEPS = ['Country and time', 'SIP trunk', 'Modem SIM', 'MQTT'];

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? ['UTC'];
}

export function WizardPage() {
  const config = useFetch<WizardConfig>('/api/v1/config');
  const [step, setStep] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  if (!config.data)
    return config.error ? <Notice kind="error">{describeError(config.error)}</Notice> : <Loading />;
  const c = config.data;

  const save = async (patch: Record<string, unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.patch('/api/v1/config', patch);
      config.reload();
      if (step + 1 < STEPS.length) setStep(step + 1);
      else navigate('/');
    } catch (err) {
      setError(
        err instanceof ApiError && err.problems.length
          ? err.problems.map((p) => `${p.path}: ${p.message}`).join('; ')
          : describeError(err),
      );
    } finally {
      setBusy(false);
    }
  };
  const next = () => (step + 1 < STEPS.length ? setStep(step + 1) : navigate('/'));

  return (
    <section aria-labelledby="wizard-title">
      <h1 id="wizard-title">First steps</h1>
      <ol class="steps" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined} class={i < step ? 'done' : ''}>
            {s}
          </li>
        ))}
      </ol>
      {error && <Notice kind="error">{error}</Notice>}
      {step === 0 && <CountryStep config={c} busy={busy} onSave={save} />}
      {step === 1 && <TrunkStep busy={busy} onSave={save} trunks={c.sip?.trunks ?? []} />}
      {step === 2 && <ModemStep busy={busy} onSave={save} modems={c.modems ?? []} />}
      {step === 3 && <MqttStep busy={busy} onSave={save} mqtt={c.mqtt ?? {}} />}
      <div class="button-row">
        <button type="button" class="secondary" onClick={next}>
          Skip this step
        </button>
        <Link href="/">Finish later: go to the dashboard</Link>
      </div>
    </section>
  );
}

type Save = (patch: Record<string, unknown>) => Promise<void>;

function CountryStep(props: { config: WizardConfig; busy: boolean; onSave: Save }) {
  const [country, setCountry] = useState(props.config.country ?? 'us');
  const [tz, setTz] = useState(
    props.config.timezone && props.config.timezone !== 'UTC'
      ? props.config.timezone
      : (Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC'),
  );
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSave({ country, timezone: tz });
      }}
    >
      <h2>Country and time zone</h2>
      <p class="muted">
        The country sets dial tones, ring cadences, the caller-ID standard and FXO disconnect tones.
      </p>
      <div class="field">
        <label for="wiz-country">Country</label>
        <select id="wiz-country" value={country} onChange={(e) => setCountry(e.currentTarget.value)}>
          {COUNTRIES.map(([code, name]) => (
            <option key={code} value={code}>
              {name} ({code})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="wiz-tz">Time zone</label>
        <select id="wiz-tz" value={tz} onChange={(e) => setTz(e.currentTarget.value)}>
          {[...new Set(['UTC', ...timeZones()])].map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={props.busy}>
        Save and continue
      </button>
    </form>
  );
}

function TrunkStep(props: { busy: boolean; onSave: Save; trunks: Record<string, unknown>[] }) {
  const live = useLive();
  const [id, setId] = useState('itsp');
  const [server, setServer] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const accounts = Object.entries(live.components).filter(([, s]) => s.kind === 'sip') as [
    string,
    SipAccountState,
  ][];
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSave({
          sip: {
            trunks: [
              ...props.trunks.filter((t) => t.id !== id),
              { id, servers: [server], username, password, register: true },
            ],
          },
        });
      }}
    >
      <h2>SIP trunk</h2>
      <p class="muted">The provider account calls go out through. Leave it for later if you have none yet.</p>
      <div class="field">
        <label for="wiz-trunk-id">Trunk name</label>
        <input
          id="wiz-trunk-id"
          value={id}
          pattern="[a-z0-9][a-z0-9_-]*"
          onInput={(e) => setId(e.currentTarget.value)}
          required
        />
      </div>
      <div class="field">
        <label for="wiz-trunk-server">Server (host[:port])</label>
        <input
          id="wiz-trunk-server"
          value={server}
          onInput={(e) => setServer(e.currentTarget.value)}
          required
        />
      </div>
      <div class="field">
        <label for="wiz-trunk-user">User name</label>
        <input
          id="wiz-trunk-user"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          required
        />
      </div>
      <div class="field">
        <label for="wiz-trunk-password">Password</label>
        <input
          id="wiz-trunk-password"
          type="password"
          autocomplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
        />
      </div>
      <div aria-live="polite">
        Live check:{' '}
        {live.status !== 'live' ? (
          <span class="muted">registration state needs live updates</span>
        ) : accounts.length === 0 ? (
          <span class="muted">no SIP account yet</span>
        ) : (
          accounts.map(([name, a]) => (
            <Badge key={name} tone={a.registered ? 'ok' : 'warn'}>
              {name}: {a.registered ? 'registered' : (a.lastError ?? 'not registered')}
            </Badge>
          ))
        )}
      </div>
      <button type="submit" disabled={props.busy}>
        Save and continue
      </button>
    </form>
  );
}

function ModemStep(props: { busy: boolean; onSave: Save; modems: { id: string; pin?: string }[] }) {
  const live = useLive();
  const [modemId, setModemId] = useState(props.modems[0]?.id ?? 'gsm1');
  const [pin, setPin] = useState('');
  const modems = Object.entries(live.components).filter(([, s]) => s.kind === 'modem') as [
    string,
    ModemState,
  ][];
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        const others = props.modems.filter((m) => m.id !== modemId);
        const current = props.modems.find((m) => m.id === modemId) ?? { id: modemId };
        void props.onSave({ modems: [...others, { ...current, ...(pin ? { pin } : {}) }] });
      }}
    >
      <h2>Modem SIM</h2>
      <div class="field">
        <label for="wiz-modem">Modem</label>
        <input id="wiz-modem" value={modemId} onInput={(e) => setModemId(e.currentTarget.value)} required />
      </div>
      <div class="field">
        <label for="wiz-pin">SIM PIN (leave empty when the SIM has none)</label>
        <input
          id="wiz-pin"
          type="password"
          inputMode="numeric"
          autocomplete="off"
          pattern="[0-9]{4,8}"
          value={pin}
          onInput={(e) => setPin(e.currentTarget.value)}
        />
      </div>
      <div aria-live="polite">
        Live check:{' '}
        {live.status !== 'live' ? (
          <span class="muted">SIM state needs live updates</span>
        ) : modems.length === 0 ? (
          <span class="muted">no modem reported</span>
        ) : (
          modems.map(([name, m]) => (
            <span key={name}>
              <Badge tone={m.sim === 'ready' ? 'ok' : 'warn'}>
                {name}: SIM {m.sim}
              </Badge>{' '}
              <SignalBars dbm={m.signalDbm} />
            </span>
          ))
        )}
      </div>
      <button type="submit" disabled={props.busy}>
        Save and continue
      </button>
    </form>
  );
}

function MqttStep(props: { busy: boolean; onSave: Save; mqtt: { enabled?: boolean; url?: string } }) {
  const health = useFetch<HealthReply>('/health', 5000);
  const [enabled, setEnabled] = useState(props.mqtt.enabled ?? false);
  const [url, setUrl] = useState(props.mqtt.url ?? 'mqtt://127.0.0.1:1883');
  const check = Object.entries(health.data?.checks ?? {}).find(([k]) => k.toLowerCase().includes('mqtt'));
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSave({ mqtt: { enabled, url } });
      }}
    >
      <h2>MQTT fleet</h2>
      <div class="field field-check">
        <input
          id="wiz-mqtt-on"
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        <label for="wiz-mqtt-on">Connect to an MQTT broker</label>
      </div>
      <div class="field">
        <label for="wiz-mqtt-url">Broker URL</label>
        <input
          id="wiz-mqtt-url"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
          disabled={!enabled}
        />
        <span class="field-hint">
          Needs a restart to take effect. <span class="badge badge-warn">restart needed</span>
        </span>
      </div>
      <p aria-live="polite">
        Live check:{' '}
        {check ? (
          `${check[0]}: ${describeCheck(check[1])}`
        ) : (
          <span class="muted">no broker check reported</span>
        )}
      </p>
      <button type="submit" disabled={props.busy}>
        Save and finish
      </button>
    </form>
  );
}
