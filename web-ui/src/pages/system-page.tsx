/** System: identity, restart, configuration backup/restore, password, API tokens, logout everywhere. */
import { useState } from 'preact/hooks';
import { useFetch } from '../api/hooks.ts';
import { api, describeError } from '../api/http-client.ts';
import type { ApiToken, SystemInfo } from '../api/types.ts';
import { useAction } from '../components/action.ts';
import { PasswordStrength, passwordProblems } from '../components/password-strength.tsx';
import { ErrorState, Loading, Notice, formatTime, formatUptime } from '../components/status.tsx';

export function SystemPage(props: { system: SystemInfo | undefined; onEndedEverywhere: () => void }) {
  const info = useFetch<SystemInfo>('/api/v1/system', 10_000);
  const s = info.data ?? props.system;
  return (
    <section aria-labelledby="system-title">
      <h1 id="system-title">System</h1>
      <div class="grid">
        <article class="card" aria-labelledby="sys-about">
          <h2 id="sys-about">This box</h2>
          {s ? (
            <dl class="facts">
              <dt>Device id</dt>
              <dd>{s.deviceId}</dd>
              <dt>Version</dt>
              <dd>{s.version}</dd>
              <dt>Board</dt>
              <dd>{s.board}</dd>
              <dt>Uptime</dt>
              <dd>{formatUptime(s.uptimeS)}</dd>
              {s.node && (
                <>
                  <dt>Node.js</dt>
                  <dd>{s.node}</dd>
                </>
              )}
            </dl>
          ) : info.error ? (
            <ErrorState error={info.error} what="System information" />
          ) : (
            <Loading />
          )}
          <RestartButton />
        </article>
        <BackupRestore />
        <PasswordChange onDone={props.onEndedEverywhere} />
        <Sessions onEnded={props.onEndedEverywhere} />
      </div>
      <Tokens />
      <article class="card" aria-labelledby="sys-firmware">
        <h2 id="sys-firmware">Firmware update</h2>
        <p class="muted">
          Firmware updates are installed by the image's A/B update mechanism; uploading from here is not
          available yet on this firmware.
        </p>
      </article>
    </section>
  );
}

function RestartButton() {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  return (
    <div>
      {!confirming ? (
        <button type="button" class="secondary" onClick={() => setConfirming(true)}>
          Restart the gateway…
        </button>
      ) : (
        <fieldset class="confirm">
          <legend>Calls in progress will be dropped. Restart now?</legend>
          <div class="button-row">
            <button
              type="button"
              class="danger"
              disabled={action.busy}
              onClick={() =>
                void action.run(
                  () => api.post('/api/v1/system/restart'),
                  () => setConfirming(false),
                  'Restarting: the page reconnects when the box is back (about 10 s).',
                )
              }
            >
              Restart
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </fieldset>
      )}
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {action.message && <Notice kind="success">{action.message}</Notice>}
    </div>
  );
}

function BackupRestore() {
  const action = useAction();
  const [file, setFile] = useState<File | undefined>(undefined);
  const [problems, setProblems] = useState<string[]>([]);
  const restore = (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setProblems([]);
    void action.run(
      async () => {
        const text = await file.text();
        try {
          const result = await api.put<{ requiresRestart?: string[] }>('/api/v1/config/file', undefined, {
            rawBody: text,
            contentType: 'text/yaml',
          });
          if (result.requiresRestart?.length)
            setProblems([`Restored. A restart is needed for: ${result.requiresRestart.join(', ')}.`]);
        } catch (err) {
          const list = (err as { problems?: { path: string; message: string }[] }).problems ?? [];
          setProblems(list.map((p) => `${p.path || '(file)'}: ${p.message}`));
          throw err;
        }
      },
      undefined,
      'Configuration restored.',
    );
  };
  return (
    <article class="card" aria-labelledby="sys-backup">
      <h2 id="sys-backup">Backup and restore</h2>
      <p>
        <a class="button secondary" href="/api/v1/config/file" download="linegate.yaml">
          Download configuration (YAML)
        </a>
      </p>
      <p class="field-hint">
        Secrets are replaced by ******** in the backup; restoring keeps the stored ones.
      </p>
      <form onSubmit={restore}>
        <div class="field">
          <label for="restore-file">Restore from a YAML file</label>
          <input
            id="restore-file"
            type="file"
            accept=".yaml,.yml,text/yaml"
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        </div>
        <button type="submit" disabled={!file || action.busy}>
          Restore
        </button>
      </form>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {problems.length > 0 && (
        <ul class={action.error ? 'field-error' : ''}>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {action.message && <Notice kind="success">{action.message}</Notice>}
    </article>
  );
}

function PasswordChange(props: { onDone: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const problems = passwordProblems(next);
    if (problems.length) return setError(`The new password needs ${problems.join('; ')}.`);
    if (next !== confirm) return setError('The two new passwords differ.');
    setBusy(true);
    setError(undefined);
    try {
      await api.post('/api/v1/auth/password', { currentPassword: current, newPassword: next });
      props.onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="sys-password">
      <h2 id="sys-password">Admin password</h2>
      <p class="field-hint">Changing it ends every session, this one included.</p>
      {error && <Notice kind="error">{error}</Notice>}
      <input type="text" name="username" autocomplete="username" value="admin" hidden readOnly />
      <div class="field">
        <label for="pw-current">Current password</label>
        <input
          id="pw-current"
          type="password"
          autocomplete="current-password"
          value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)}
          required
        />
      </div>
      <div class="field">
        <label for="pw-new">New password</label>
        <input
          id="pw-new"
          type="password"
          autocomplete="new-password"
          aria-describedby="pw-strength"
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
          required
        />
        <PasswordStrength password={next} id="pw-strength" />
      </div>
      <div class="field">
        <label for="pw-confirm">Repeat the new password</label>
        <input
          id="pw-confirm"
          type="password"
          autocomplete="new-password"
          value={confirm}
          onInput={(e) => setConfirm(e.currentTarget.value)}
          required
        />
      </div>
      <button type="submit" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

function Sessions(props: { onEnded: () => void }) {
  const action = useAction();
  return (
    <article class="card" aria-labelledby="sys-sessions">
      <h2 id="sys-sessions">Sessions</h2>
      <p>End every web session on every device (API tokens stay valid).</p>
      <button
        type="button"
        class="danger"
        disabled={action.busy}
        onClick={() =>
          void action.run(async () => {
            await api.post('/api/v1/auth/logout-everywhere');
            props.onEnded();
          })
        }
      >
        Log out everywhere
      </button>
      {action.error && <Notice kind="error">{action.error}</Notice>}
    </article>
  );
}

function Tokens() {
  const list = useFetch<{ items: ApiToken[] }>('/api/v1/auth/tokens');
  const action = useAction();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | undefined>(undefined);
  const create = (event: Event) => {
    event.preventDefault();
    setCreated(undefined);
    void action.run(async () => {
      const reply = await api.post<{ token: string }>('/api/v1/auth/tokens', { name });
      setCreated(reply.token);
      setName('');
    }, list.reload);
  };
  return (
    <article class="card" aria-labelledby="sys-tokens">
      <h2 id="sys-tokens">API tokens</h2>
      <p class="field-hint">
        For scripts and integrations: send <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
      {list.error && !list.data ? (
        <ErrorState error={list.error} what="API tokens" />
      ) : !list.data ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <p class="muted">No tokens.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{formatTime(t.createdAt ?? undefined)}</td>
                  <td>{t.lastUsedAt ? formatTime(t.lastUsedAt) : 'never'}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary danger small"
                      disabled={action.busy}
                      onClick={() =>
                        void action.run(() => api.del(`/api/v1/auth/tokens/${t.id}`), list.reload)
                      }
                    >
                      Revoke {t.name}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="inline-form" onSubmit={create}>
        <label for="token-name">New token name</label>
        <input
          id="token-name"
          value={name}
          maxLength={80}
          onInput={(e) => setName(e.currentTarget.value)}
          required
        />
        <button type="submit" disabled={action.busy || !name}>
          Create token
        </button>
      </form>
      {created && (
        <Notice kind="success">
          Token created. Copy it now, it is not shown again:{' '}
          <code class="token" data-field="new-token">
            {created}
          </code>
        </Notice>
      )}
      {action.error && <Notice kind="error">{action.error}</Notice>}
    </article>
  );
}
