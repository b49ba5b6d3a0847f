import type { JSX, TargetedInputEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
/**
 * Form controls derived from the configuration schema: one labelled control
 * per field with its description, default and restart flag; server-side
 * problems appear next to the field they name.
 */
import {
  type FieldSchema,
  type PathSegment,
  choices,
  fieldKind,
  getAt,
  newItem,
  pathString,
} from './schema-model.ts';

export interface FormContext {
  draft: unknown;
  problems: Map<string, string>;
  onChange: (path: PathSegment[], value: unknown) => void;
}

function fieldId(path: PathSegment[]): string {
  return `cfg-${pathString(path).replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export function SchemaFields(props: {
  schema: FieldSchema;
  path: PathSegment[];
  ctx: FormContext;
  skip?: string[];
}) {
  const entries = Object.entries(props.schema.properties ?? {}).filter(([k]) => !props.skip?.includes(k));
  return (
    <>
      {entries.map(([key, child]) => (
        <SchemaField
          key={key}
          schema={child}
          path={[...props.path, key]}
          required={props.schema.required?.includes(key) ?? false}
          ctx={props.ctx}
        />
      ))}
    </>
  );
}

export function SchemaField(props: {
  schema: FieldSchema;
  path: PathSegment[];
  required: boolean;
  ctx: FormContext;
}) {
  const { schema, path, ctx } = props;
  const kind = fieldKind(schema);
  const value = getAt(ctx.draft, path);
  const id = fieldId(path);
  const problem = ctx.problems.get(pathString(path));
  const title = schema.title ?? String(path[path.length - 1]);

  if (kind === 'object') {
    return (
      <fieldset class="cfg-group">
        <legend>{title}</legend>
        {schema.description && <p class="field-hint">{schema.description}</p>}
        {problem && <ProblemText id={`${id}-error`} message={problem} />}
        <SchemaFields schema={schema} path={path} ctx={ctx} />
      </fieldset>
    );
  }
  if (kind === 'object-list') return <ObjectList {...props} title={title} id={id} problem={problem} />;

  const describedBy = [`${id}-hint`, problem ? `${id}-error` : ''].filter(Boolean).join(' ');
  const hint = (
    <span class="field-hint" id={`${id}-hint`}>
      {schema.description}
      {schema.default !== undefined && kind !== 'boolean' && typeof schema.default !== 'object' && (
        <> Default: {String(schema.default)}.</>
      )}
      {kind === 'scalar-list' && ' One per line.'}
      {schema.requiresRestart && (
        <>
          {' '}
          <span class="badge badge-warn">restart needed</span>
        </>
      )}
    </span>
  );
  const common = {
    id,
    name: pathString(path),
    'aria-describedby': describedBy,
    'aria-invalid': problem ? true : undefined,
  };

  let control: JSX.Element;
  switch (kind) {
    case 'boolean':
      return (
        <div class={`field field-check${problem ? ' has-error' : ''}`}>
          <input
            type="checkbox"
            {...common}
            checked={value === undefined ? schema.default === true : value === true}
            onChange={(e) => ctx.onChange(path, e.currentTarget.checked)}
          />
          <label for={id}>{title}</label>
          {hint}
          {problem && <ProblemText id={`${id}-error`} message={problem} />}
        </div>
      );
    case 'choice': {
      const options = choices(schema) ?? [];
      control = (
        <select
          {...common}
          value={value === undefined ? '' : String(value)}
          onChange={(e) =>
            ctx.onChange(path, e.currentTarget.value === '' ? undefined : e.currentTarget.value)
          }
        >
          {(!props.required || value === undefined) && (
            <option value="">
              {schema.default !== undefined ? `Default (${String(schema.default)})` : 'Not set'}
            </option>
          )}
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'integer':
    case 'number':
      control = (
        <input
          type="number"
          inputMode={kind === 'integer' ? 'numeric' : 'decimal'}
          step={kind === 'integer' ? 1 : 'any'}
          min={schema.minimum}
          max={schema.maximum}
          {...common}
          value={value === undefined || value === null ? '' : String(value)}
          placeholder={schema.default !== undefined ? String(schema.default) : undefined}
          onInput={(e) => {
            const raw = e.currentTarget.value;
            const n = Number(raw);
            ctx.onChange(path, raw === '' ? undefined : Number.isFinite(n) ? n : raw);
          }}
        />
      );
      break;
    case 'scalar-list':
      control = (
        <ScalarListInput
          common={common}
          value={value}
          numeric={schema.items ? ['integer', 'number'].includes(fieldKind(schema.items)) : false}
          onChange={(items) => ctx.onChange(path, items)}
        />
      );
      break;
    default: {
      const text = {
        ...common,
        spellcheck: false,
        value: value === undefined || value === null ? '' : String(value),
        onInput: (e: TargetedInputEvent<HTMLInputElement>) => {
          const raw = e.currentTarget.value;
          ctx.onChange(path, raw === '' && !props.required ? undefined : raw);
        },
      };
      // Secrets arrive as ******** and go back unchanged unless retyped.
      control = schema.secret ? (
        <input type="password" autocomplete="new-password" {...text} />
      ) : (
        <input
          type="text"
          autocomplete="off"
          placeholder={
            schema.default !== undefined && typeof schema.default !== 'object'
              ? String(schema.default)
              : undefined
          }
          {...text}
        />
      );
    }
  }
  return (
    <div class={`field${problem ? ' has-error' : ''}`}>
      <label for={id}>
        {title}
        {props.required && schema.default === undefined && <span class="muted"> (required)</span>}
      </label>
      {control}
      {hint}
      {problem && <ProblemText id={`${id}-error`} message={problem} />}
    </div>
  );
}

function ProblemText(props: { id: string; message: string }) {
  return (
    <span class="field-error" id={props.id}>
      {props.message}
    </span>
  );
}

function itemLabel(item: unknown, index: number): string {
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    const name = o.id ?? o.extension ?? o.url ?? o.name;
    if (typeof name === 'string' && name) return name;
  }
  return `#${index + 1}`;
}

function ObjectList(props: {
  schema: FieldSchema;
  path: PathSegment[];
  ctx: FormContext;
  title: string;
  id: string;
  problem: string | undefined;
}) {
  const { schema, path, ctx } = props;
  const raw = getAt(ctx.draft, path);
  const items = Array.isArray(raw) ? raw : [];
  const itemSchema = schema.items ?? {};
  return (
    <fieldset class="cfg-group cfg-list" id={props.id}>
      <legend>{props.title}</legend>
      {schema.description && <p class="field-hint">{schema.description}</p>}
      {props.problem && <ProblemText id={`${props.id}-error`} message={props.problem} />}
      {items.length === 0 && <p class="muted">None configured.</p>}
      {items.map((item, index) => (
        <fieldset class="cfg-item" key={`${pathString(path)}-${index}`}>
          <legend>
            {itemSchema.title ?? props.title} {itemLabel(item, index)}
          </legend>
          <SchemaFields schema={itemSchema} path={[...path, index]} ctx={ctx} />
          <button
            type="button"
            class="secondary danger"
            onClick={() =>
              ctx.onChange(
                path,
                items.filter((_, i) => i !== index),
              )
            }
          >
            Remove {itemLabel(item, index)}
          </button>
        </fieldset>
      ))}
      <button
        type="button"
        class="secondary"
        onClick={() => ctx.onChange(path, [...items, newItem(itemSchema)])}
      >
        Add to {props.title}
      </button>
    </fieldset>
  );
}

/**
 * One item per line. The typed text is kept as typed (a trailing empty line
 * while the user is about to type the next item must not vanish) and only
 * replaced when the value changes from outside (discard, reload).
 */
function ScalarListInput(props: {
  common: Record<string, unknown>;
  value: unknown;
  numeric: boolean;
  onChange: (items: unknown[]) => void;
}) {
  const fromValue = Array.isArray(props.value) ? props.value.map(String).join('\n') : '';
  const [text, setText] = useState(fromValue);
  const parse = (raw: string) =>
    raw
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => (props.numeric && Number.isFinite(Number(l)) ? Number(l) : l));
  useEffect(() => {
    if (parse(text).join('\n') !== fromValue) setText(fromValue);
  }, [fromValue]);
  return (
    <textarea
      rows={Math.max(2, text.split('\n').length + 1)}
      {...props.common}
      value={text}
      onInput={(e) => {
        setText(e.currentTarget.value);
        props.onChange(parse(e.currentTarget.value));
      }}
    />
  );
}
