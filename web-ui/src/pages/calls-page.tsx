/** Calls: in progress, and the CDR list with the server's filters and CSV export. */
import { useState } from 'preact/hooks';
import { useFetch, useLive } from '../api/hooks.ts';
import type { CdrRecord } from '../api/types.ts';
import { ErrorState, Loading, formatDuration, formatTime } from '../components/status.tsx';
import { CallsTable, useActiveCalls } from './dashboard-page.tsx';

const DISPOSITIONS = ['answered', 'busy', 'no_answer', 'failed', 'cancelled', 'rejected'];

/** The CDR query string from the filter fields (empty fields left out). */
export function cdrQuery(filters: {
  number: string;
  endpoint: string;
  disposition: string;
  since: string;
}): string {
  const q = new URLSearchParams();
  if (filters.number.trim()) q.set('number', filters.number.trim());
  if (filters.endpoint.trim()) q.set('endpoint', filters.endpoint.trim());
  if (filters.disposition) q.set('disposition', filters.disposition);
  if (filters.since) q.set('from', String(new Date(`${filters.since}T00:00:00`).getTime()));
  q.set('limit', '200');
  return q.toString();
}

export function CallsPage() {
  const live = useLive();
  const active = useActiveCalls(live.status === 'live', live.components);
  const [filters, setFilters] = useState({ number: '', endpoint: '', disposition: '', since: '' });
  const query = cdrQuery(filters);
  const cdr = useFetch<{ items: CdrRecord[]; nextBefore: number | null }>(`/api/v1/calls/cdr?${query}`, 5000);
  const set = (key: keyof typeof filters) => (e: { currentTarget: { value: string } }) =>
    setFilters({ ...filters, [key]: e.currentTarget.value });
  const records = cdr.data?.items ?? [];
  return (
    <section aria-labelledby="calls-title">
      <h1 id="calls-title">Calls</h1>
      <article class="card" aria-labelledby="calls-active">
        <h2 id="calls-active">In progress</h2>
        <CallsTable rows={active.rows} error={active.error} />
      </article>
      <article class="card" aria-labelledby="calls-cdr">
        <h2 id="calls-cdr">Call history</h2>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="cdr-number">Number contains</label>
            <input id="cdr-number" inputMode="tel" value={filters.number} onInput={set('number')} />
          </div>
          <div class="field">
            <label for="cdr-endpoint">Endpoint</label>
            <input id="cdr-endpoint" placeholder="fxs1" value={filters.endpoint} onInput={set('endpoint')} />
          </div>
          <div class="field">
            <label for="cdr-disposition">Result</label>
            <select id="cdr-disposition" value={filters.disposition} onChange={set('disposition')}>
              <option value="">All</option>
              {DISPOSITIONS.map((d) => (
                <option key={d} value={d}>
                  {d.replace('_', ' ')}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="cdr-since">Since</label>
            <input id="cdr-since" type="date" value={filters.since} onInput={set('since')} />
          </div>
          <a class="button secondary" href={`/api/v1/calls/cdr.csv?${query}`} download="linegate-cdr.csv">
            Export CSV
          </a>
        </form>
        {cdr.error && !cdr.data ? (
          <ErrorState error={cdr.error} what="Call history (CDR)" />
        ) : !cdr.data ? (
          <Loading />
        ) : records.length === 0 ? (
          <p class="muted">No calls.</p>
        ) : (
          <div class="table-wrap">
            <table data-cdr="">
              <caption class="visually-hidden">Call history</caption>
              <thead>
                <tr>
                  <th scope="col">Start</th>
                  <th scope="col">Direction</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Result</th>
                  <th scope="col">MOS</th>
                </tr>
              </thead>
              <tbody>
                {records.map((r) => (
                  <tr key={r.id}>
                    <td>{formatTime(r.startedAt)}</td>
                    <td>{r.direction}</td>
                    <td>
                      {r.callerName ? `${r.callerName} ` : ''}
                      {r.callerNumber || '—'} <span class="muted small">{r.source}</span>
                    </td>
                    <td>
                      {r.dialedNumber || '—'} <span class="muted small">{r.destination}</span>
                    </td>
                    <td>{formatDuration(r.billableS || r.durationS)}</td>
                    <td>{r.disposition.replace('_', ' ')}</td>
                    <td>{r.mos !== null && r.mos !== undefined ? r.mos.toFixed(2) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </article>
      <article class="card" aria-labelledby="calls-vm">
        <h2 id="calls-vm">Recordings and voicemail</h2>
        <p class="muted">
          Playback appears here once recordings and voicemail are available on this firmware.
        </p>
      </article>
    </section>
  );
}
