/** Small shared pieces: notices, not-available states, badges. */
import type { ComponentChildren } from 'preact';
import { ApiError, describeError } from '../api/http-client.ts';

export function Notice(props: {
  kind: 'info' | 'error' | 'success' | 'warning';
  children: ComponentChildren;
}) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** Shown for a page or panel whose back end answered 404 (not built into this firmware yet). */
export function NotAvailable(props: { what: string }) {
  return (
    <div class="notice notice-info not-available" role="status">
      <strong>{props.what}: not available yet.</strong> This firmware does not provide it (the API answered
      404); it appears here once its back end is installed.
    </div>
  );
}

/** Error display that turns a 404 for a missing route into the not-available state. */
export function ErrorState(props: { error: unknown; what: string }) {
  if (props.error instanceof ApiError && props.error.notAvailable) return <NotAvailable what={props.what} />;
  return <Notice kind="error">{`${props.what}: ${describeError(props.error)}`}</Notice>;
}

export function Badge(props: {
  tone: 'ok' | 'warn' | 'bad' | 'neutral' | 'info';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${props.tone}`}>{props.children}</span>;
}

export function Loading() {
  return (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  );
}

export function formatDuration(totalS: number): string {
  const s = Math.max(0, Math.floor(totalS));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${m}:${ss}`;
}

export function formatUptime(totalS: number): string {
  const d = Math.floor(totalS / 86400);
  const h = Math.floor((totalS % 86400) / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min ${Math.floor(totalS % 60)} s`;
}

export function formatTime(value: string | number | undefined): string {
  if (value === undefined || value === '') return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}
