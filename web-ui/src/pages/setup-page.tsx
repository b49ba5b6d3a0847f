/**
 * First boot: there is no default password. The one-time setup code printed
 * on the console and in the log sets the admin password; then we log in.
 */
import { useState } from 'preact/hooks';
import { api, describeError } from '../api/http-client.ts';
import type { LoginReply } from '../api/types.ts';
import { PasswordStrength, passwordProblems } from '../components/password-strength.tsx';
import { Notice } from '../components/status.tsx';

export function SetupPage(props: { onDone: (csrfToken: string) => void }) {
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const problems = passwordProblems(password);
  const mismatch = confirm.length > 0 && confirm !== password;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (problems.length) return setError(`The new password needs ${problems.join('; ')}.`);
    if (password !== confirm) return setError('The two passwords differ.');
    setBusy(true);
    setError(undefined);
    try {
      await api.post(
        '/api/v1/auth/setup',
        { setupCode: code.trim(), newPassword: password },
        { quiet401: true },
      );
      const reply = await api.post<LoginReply>(
        '/api/v1/auth/login',
        { username: 'admin', password },
        { quiet401: true },
      );
      props.onDone(reply.csrfToken);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="center-page" id="main">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">Welcome to Linegate</h1>
        <p>
          This box has no admin password yet. Enter the 8-digit setup code printed on the console and in the
          log (<code>journalctl -u linegate</code>), then choose the admin password.
        </p>
        {error && <Notice kind="error">{error}</Notice>}
        <div class="field">
          <label for="setup-code">Setup code</label>
          <input
            id="setup-code"
            name="setupCode"
            inputMode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9 ]{8,9}"
            maxLength={9}
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            required
          />
        </div>
        <div class="field">
          <label for="setup-password">New admin password</label>
          <input
            id="setup-password"
            name="newPassword"
            type="password"
            autocomplete="new-password"
            aria-describedby="setup-strength"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
          <PasswordStrength password={password} id="setup-strength" />
        </div>
        <div class="field">
          <label for="setup-confirm">Repeat the password</label>
          <input
            id="setup-confirm"
            name="confirm"
            type="password"
            autocomplete="new-password"
            aria-invalid={mismatch}
            aria-describedby={mismatch ? 'setup-confirm-error' : undefined}
            value={confirm}
            onInput={(e) => setConfirm(e.currentTarget.value)}
            required
          />
          {mismatch && (
            <span class="field-error" id="setup-confirm-error">
              The two passwords differ.
            </span>
          )}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Set password and continue'}
        </button>
      </form>
    </main>
  );
}
