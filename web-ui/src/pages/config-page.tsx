/**
 * Configuration pages derived from the schema: one page per top-level
 * section (scalars together under "General"). One draft spans every
 * section; the pending changes, and which need a restart, are listed
 * before saving; the server's validation messages appear next to fields.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useFetch } from '../api/hooks.ts';
import { ApiError, api, describeError } from '../api/http-client.ts';
import { SchemaField, SchemaFields } from '../config/schema-form.tsx';
import {
  type FieldSchema,
  type PathSegment,
  buildPatch,
  fieldKind,
  pathString,
  setAt,
} from '../config/schema-model.ts';
import { RouteTester } from '../components/route-tester.tsx';
import { ErrorState, Loading, Notice } from '../components/status.tsx';
import { TabLinks } from '../components/tabs.tsx';

const GENERAL = 'general';
/** Not edited in forms: the version is the file's schema version. */
const HIDDEN = new Set(['version']);

export function ConfigPage(props: { section: string | undefined }) {
  const schema = useFetch<FieldSchema>('/api/v1/config/schema');
  const config = useFetch<Record<string, unknown>>('/api/v1/config');
  const [draft, setDraft] = useState<unknown>(undefined);
  const [problems, setProblems] = useState<Map<string, string>>(new Map());
  const [otherProblems, setOtherProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState<{ requiresRestart: string[] } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [restarting, setRestarting] = useState(false);

  useEffect(() => {
    if (config.data) setDraft(structuredClone(config.data));
  }, [config.data]);

  const sections = useMemo(() => {
    const props = Object.entries(schema.data?.properties ?? {}).filter(([k]) => !HIDDEN.has(k));
    const grouped = props.filter(([, s]) => fieldKind(s) === 'object' || fieldKind(s) === 'object-list');
    return [
      { key: GENERAL, title: 'General' },
      ...grouped.map(([key, s]) => ({ key, title: s.title ?? key })),
    ];
  }, [schema.data]);

  if (schema.error)
    return (
      <PageShell>
        <ErrorState error={schema.error} what="Configuration schema" />
      </PageShell>
    );
  if (config.error)
    return (
      <PageShell>
        <ErrorState error={config.error} what="Configuration" />
      </PageShell>
    );
  if (!schema.data || !config.data || draft === undefined)
    return (
      <PageShell>
        <Loading />
      </PageShell>
    );

  const root = schema.data;
  const sectionKey = sections.some((s) => s.key === props.section) ? (props.section as string) : GENERAL;
  const { patch, changes } = buildPatch(root, config.data, draft);
  const restartChanges = changes.filter((c) => c.requiresRestart);

  const generalSkip = Object.entries(root.properties ?? {})
    .filter(([k, s]) => HIDDEN.has(k) || fieldKind(s) === 'object' || fieldKind(s) === 'object-list')
    .map(([k]) => k);
  /** Whether a problem's field is on the section shown (else it is listed under the save button). */
  const onThisPage = (path: string) => {
    const head = path.split(/[.[]/)[0] ?? '';
    if (!head) return false;
    return sectionKey === GENERAL ? !generalSkip.includes(head) : head === sectionKey;
  };

  const onChange = (path: PathSegment[], value: unknown) => {
    setDraft((d: unknown) => setAt(d, path, value));
    setSaved(undefined);
    const key = pathString(path);
    if (problems.has(key)) {
      const next = new Map(problems);
      next.delete(key);
      setProblems(next);
    }
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      const result = await api.patch<{ ok: boolean; requiresRestart?: string[] }>('/api/v1/config', patch);
      setProblems(new Map());
      setOtherProblems([]);
      setSaved({ requiresRestart: result.requiresRestart ?? [] });
      config.reload();
    } catch (err) {
      if (err instanceof ApiError && err.problems.length) {
        const known = new Map<string, string>();
        const other: string[] = [];
        for (const p of err.problems) {
          known.set(p.path, p.message);
          if (!onThisPage(p.path)) other.push(`${p.path || '(file)'}: ${p.message}`);
        }
        setProblems(known);
        setOtherProblems(other);
        setError('The box refused the change: see the messages next to the fields.');
      } else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const restart = async () => {
    setRestarting(true);
    try {
      await api.post('/api/v1/system/restart');
    } catch (err) {
      setError(describeError(err));
      setRestarting(false);
    }
  };

  const ctx = { draft, problems, onChange };
  const sectionSchema = root.properties?.[sectionKey];

  return (
    <PageShell>
      <TabLinks
        label="Configuration sections"
        current={`/config/${sectionKey}`}
        tabs={sections.map((s) => ({ href: `/config/${s.key}`, label: s.title }))}
      />
      {sectionKey === 'calls' && <RouteTester />}
      <form class="card cfg-form" onSubmit={save} aria-labelledby="cfg-section-title" noValidate>
        <h2 id="cfg-section-title">
          {sectionKey === GENERAL ? 'General' : (sectionSchema?.title ?? sectionKey)}
        </h2>
        {sectionKey !== GENERAL && sectionSchema?.description && (
          <p class="muted">{sectionSchema.description}</p>
        )}
        {sectionKey === GENERAL ? (
          <SchemaFields schema={root} path={[]} ctx={ctx} skip={generalSkip} />
        ) : sectionSchema && fieldKind(sectionSchema) === 'object' ? (
          <SchemaFields schema={sectionSchema} path={[sectionKey]} ctx={ctx} />
        ) : sectionSchema ? (
          <SchemaField schema={sectionSchema} path={[sectionKey]} required={false} ctx={ctx} />
        ) : null}
        <div class={changes.length > 0 ? 'save-bar sticky' : 'save-bar'} aria-live="polite">
          {changes.length > 0 ? (
            <div class="pending">
              <p>
                <strong>
                  {changes.length} unsaved {changes.length === 1 ? 'change' : 'changes'}
                </strong>
                : {changes.map((c) => c.title).join(', ')}.
              </p>
              {restartChanges.length > 0 && (
                <p class="notice notice-warning" data-field="requires-restart">
                  Saving needs a restart to take effect for: {restartChanges.map((c) => c.title).join(', ')}.
                </p>
              )}
            </div>
          ) : (
            !saved && <p class="muted">No unsaved changes.</p>
          )}
          {error && <Notice kind="error">{error}</Notice>}
          {otherProblems.length > 0 && (
            <ul class="field-error">
              {otherProblems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {saved && (
            <Notice kind="success">
              Saved.{' '}
              {saved.requiresRestart.length > 0
                ? `A restart is needed for: ${saved.requiresRestart.join(', ')}.`
                : 'The change is in effect.'}
            </Notice>
          )}
          <div class="button-row">
            <button type="submit" disabled={busy || changes.length === 0}>
              {busy ? 'Saving…' : 'Save'}
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy || changes.length === 0}
              onClick={() => {
                setDraft(structuredClone(config.data));
                setProblems(new Map());
                setOtherProblems([]);
                setError(undefined);
              }}
            >
              Discard changes
            </button>
            {saved && saved.requiresRestart.length > 0 && (
              <button type="button" class="secondary" disabled={restarting} onClick={() => void restart()}>
                {restarting ? 'Restarting…' : 'Restart now'}
              </button>
            )}
          </div>
        </div>
      </form>
    </PageShell>
  );
}

function PageShell(props: { children: ComponentChildren }) {
  return (
    <section aria-labelledby="cfg-title">
      <h1 id="cfg-title">Configuration</h1>
      {props.children}
    </section>
  );
}
