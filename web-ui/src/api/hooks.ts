/** Preact hooks over the API: live snapshot, polled and one-shot fetches. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './http-client.ts';
import { type LiveSnapshot, liveLink } from './live-socket.ts';

export function useLive(): LiveSnapshot {
  const [snapshot, setSnapshot] = useState(liveLink.snapshot);
  useEffect(() => {
    setSnapshot(liveLink.snapshot);
    return liveLink.subscribe(() => setSnapshot(liveLink.snapshot));
  }, []);
  return snapshot;
}

export interface Fetched<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` now and every `intervalMs` (when given); `path` undefined pauses. */
export function useFetch<T>(path: string | undefined, intervalMs?: number): Fetched<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const load = async () => {
      try {
        const value = await api.get<T>(path, { signal: controller.signal });
        if (cancelled) return;
        setData(value);
        setError(undefined);
      } catch (err) {
        if (cancelled) return;
        setError(err as Error);
        // A missing back end will not appear by polling faster; stop polling it.
        if (err instanceof ApiError && err.notAvailable) {
          setLoading(false);
          return;
        }
      }
      setLoading(false);
      if (intervalMs && !cancelled) timer = setTimeout(load, intervalMs);
    };
    void load();
    return () => {
      cancelled = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [path, intervalMs, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

/** Re-renders every `periodMs` (durations, uptime). */
export function useNow(periodMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}
