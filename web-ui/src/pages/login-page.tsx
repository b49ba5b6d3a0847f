import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, describeError } from '../api/http-client.ts';
import type { LoginReply } from '../api/types.ts';
import { Notice } from '../components/status.tsx';

export function LoginPage(props: { message?: string | undefined; onLoggedIn: (csrfToken: string) => void }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [lockedUntilMs, setLockedUntilMs] = useState(0);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (lockedUntilMs <= now) return;
    const timer = setTimeout(() => setNow(Date.now()), 1000);
    return () => clearTimeout(timer);
  }, [lockedUntilMs, now]);

  const lockedS = Math.ceil((lockedUntilMs - now) / 1000);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const reply = await api.post<LoginReply>(
        '/api/v1/auth/login',
        { username, password },
        { quiet401: true },
      );
      props.onLoggedIn(reply.csrfToken);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        const retryS = err.retryAfterS ?? 60;
        setLockedUntilMs(Date.now() + retryS * 1000);
        setNow(Date.now());
        setError(`Too many failed attempts: login is locked for ${retryS} s.`);
      } else if (err instanceof ApiError && err.status === 401) setError('Wrong user name or password.');
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="center-page" id="main">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to Linegate</h1>
        {props.message && !error && <Notice kind="info">{props.message}</Notice>}
        {error && <Notice kind="error">{error}</Notice>}
        {lockedS > 0 && (
          <p class="muted" aria-live="polite">
            You can try again in {lockedS} s.
          </p>
        )}
        <div class="field">
          <label for="login-user">User name</label>
          <input
            id="login-user"
            name="username"
            autocomplete="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            required
          />
        </div>
        <div class="field">
          <label for="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </div>
        <button type="submit" disabled={busy || lockedS > 0}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
