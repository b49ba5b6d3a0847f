/** SMS: inbox, outbox with delivery status, compose with encoding/segment preview, USSD. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useFetch, useLive } from '../api/hooks.ts';
import { ApiError, api, describeError, randomKey } from '../api/http-client.ts';
import type { SmsItem, SmsPreview } from '../api/types.ts';
import { useAction } from '../components/action.ts';
import { Badge, ErrorState, Loading, Notice, formatTime } from '../components/status.tsx';
import { TabLinks } from '../components/tabs.tsx';

const TABS = [
  { href: '/sms', label: 'Inbox' },
  { href: '/sms/outbox', label: 'Outbox' },
  { href: '/sms/compose', label: 'Compose' },
  { href: '/sms/ussd', label: 'USSD' },
];

export function SmsPage(props: { tab: string | undefined }) {
  const tab = props.tab ?? '';
  const current = tab ? `/sms/${tab}` : '/sms';
  return (
    <section aria-labelledby="sms-title">
      <h1 id="sms-title">SMS</h1>
      <TabLinks label="SMS" tabs={TABS} current={current} />
      {tab === '' && <SmsList direction="in" />}
      {tab === 'outbox' && <SmsList direction="out" />}
      {tab === 'compose' && <Compose />}
      {tab === 'ussd' && <Ussd />}
    </section>
  );
}

function statusTone(status: string | undefined): 'ok' | 'warn' | 'bad' | 'neutral' | 'info' {
  switch (status) {
    case 'delivered':
      return 'ok';
    case 'sent':
      return 'info';
    case 'failed':
      return 'bad';
    case 'queued':
    case 'sending':
      return 'warn';
    default:
      return 'neutral';
  }
}

function SmsList(props: { direction: 'in' | 'out' }) {
  const live = useLive();
  const list = useFetch<{ items: SmsItem[] }>(`/api/v1/sms?direction=${props.direction}`, 5000);
  const lastEvent = live.events.find((e) => e.event.startsWith('sms_'));
  const { reload } = list;
  // Refresh when a new SMS event arrives over the live link.
  useEffect(() => {
    if (lastEvent) reload();
  }, [lastEvent?.receivedAtMs]);
  const title = props.direction === 'in' ? 'Received messages' : 'Sent messages';
  if (list.error && !list.data) return <ErrorState error={list.error} what="SMS" />;
  if (!list.data) return <Loading />;
  const items = list.data.items ?? [];
  return (
    <div class="card">
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p class="muted">No messages.</p>
      ) : (
        <div class="table-wrap">
          <table data-sms-list={props.direction}>
            <caption class="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">{props.direction === 'in' ? 'From' : 'To'}</th>
                <th scope="col">Text</th>
                {props.direction === 'out' && <th scope="col">Status</th>}
                <th scope="col">Modem</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id}>
                  <td>{formatTime(m.time)}</td>
                  <td>{m.number}</td>
                  <td class="sms-text">
                    {m.text}
                    {m.segments && m.segments > 1 ? (
                      <span class="muted small"> ({m.segments} parts)</span>
                    ) : null}
                  </td>
                  {props.direction === 'out' && (
                    <td>
                      <Badge tone={statusTone(m.status)}>{m.status ?? '—'}</Badge>
                      {m.error && <span class="small field-error"> {m.error}</span>}
                    </td>
                  )}
                  <td>{m.modem ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Compose() {
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [modem, setModem] = useState('');
  const [preview, setPreview] = useState<SmsPreview | undefined>(undefined);
  const [previewError, setPreviewError] = useState<unknown>(undefined);
  const [result, setResult] = useState<{ id: string; status: string; segments: number } | undefined>(
    undefined,
  );
  const action = useAction();
  // One key per message: a retried send after a network error is not sent twice.
  const key = useRef(randomKey());

  useEffect(() => {
    if (!text) {
      setPreview(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .post<SmsPreview>('/api/v1/sms/preview', { text }, { signal: controller.signal })
        .then((p) => {
          setPreview(p);
          setPreviewError(undefined);
        })
        .catch((err: unknown) => {
          if ((err as Error).name !== 'AbortError') setPreviewError(err);
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);

  const send = (event: Event) => {
    event.preventDefault();
    setResult(undefined);
    void action.run(async () => {
      const reply = await api.post<{ id: string; status: string; segments: number }>('/api/v1/sms', {
        to: to.trim(),
        text,
        idempotencyKey: key.current,
        ...(modem.trim() ? { modem: modem.trim() } : {}),
      });
      setResult(reply);
      key.current = randomKey();
      setText('');
    });
  };

  return (
    <form class="card" onSubmit={send} aria-labelledby="compose-title">
      <h2 id="compose-title">New message</h2>
      <div class="field">
        <label for="sms-to">To</label>
        <input
          id="sms-to"
          name="to"
          inputMode="tel"
          autocomplete="off"
          placeholder="+15551234567"
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
          required
        />
      </div>
      <div class="field">
        <label for="sms-modem">Modem (optional)</label>
        <input
          id="sms-modem"
          name="modem"
          placeholder="any"
          value={modem}
          aria-describedby="sms-modem-hint"
          onInput={(e) => setModem(e.currentTarget.value)}
        />
        <span class="field-hint" id="sms-modem-hint">
          Leave empty to let the gateway choose (e.g. gsm1).
        </span>
      </div>
      <div class="field">
        <label for="sms-text">Text</label>
        <textarea
          id="sms-text"
          name="text"
          rows={5}
          value={text}
          aria-describedby="sms-preview"
          onInput={(e) => setText(e.currentTarget.value)}
          required
        />
        <span class="field-hint" id="sms-preview" aria-live="polite">
          {previewError ? (
            previewError instanceof ApiError && previewError.notAvailable ? (
              `${text.length} characters (segment preview not available yet)`
            ) : (
              describeError(previewError)
            )
          ) : preview ? (
            <>
              Encoding <strong data-field="encoding">{preview.encoding}</strong> ·{' '}
              <strong data-field="segments">{preview.segments}</strong>{' '}
              {preview.segments === 1 ? 'segment' : 'segments'} · {preview.charsLeft} characters left in this
              segment
            </>
          ) : (
            'Type a message to see its encoding and segment count.'
          )}
        </span>
      </div>
      <button type="submit" disabled={action.busy || !to || !text}>
        {action.busy ? 'Sending…' : 'Send'}
      </button>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {result && (
        <Notice kind="success">
          Queued as {result.id}: {result.status}, {result.segments}{' '}
          {result.segments === 1 ? 'segment' : 'segments'}. Follow it in the outbox.
        </Notice>
      )}
    </form>
  );
}

function Ussd() {
  const [modem, setModem] = useState('gsm1');
  const [code, setCode] = useState('*100#');
  const [history, setHistory] = useState<{ code: string; response: string; error?: boolean }[]>([]);
  const action = useAction();
  const send = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      try {
        const reply = await api.post<{ response?: string }>('/api/v1/ussd', { modem, code });
        setHistory((h) => [{ code, response: reply.response ?? JSON.stringify(reply) }, ...h]);
      } catch (err) {
        setHistory((h) => [{ code, response: describeError(err), error: true }, ...h]);
        throw err;
      }
    });
  };
  return (
    <form class="card" onSubmit={send} aria-labelledby="ussd-title">
      <h2 id="ussd-title">USSD</h2>
      <p class="muted">Balance checks and operator menus (e.g. *100#). Answers can take several seconds.</p>
      <div class="field">
        <label for="ussd-modem">Modem</label>
        <input id="ussd-modem" value={modem} onInput={(e) => setModem(e.currentTarget.value)} required />
      </div>
      <div class="field">
        <label for="ussd-code">Code</label>
        <input
          id="ussd-code"
          inputMode="tel"
          value={code}
          pattern="[0-9*#]+"
          onInput={(e) => setCode(e.currentTarget.value)}
          required
        />
      </div>
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Waiting for the network…' : 'Send'}
      </button>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {history.length > 0 && (
        <ol class="event-list" aria-label="USSD dialogue">
          {history.map((h, i) => (
            <li key={`${i}-${h.code}`}>
              <strong>{h.code}</strong> → <span class={h.error ? 'field-error' : ''}>{h.response}</span>
            </li>
          ))}
        </ol>
      )}
    </form>
  );
}
