/** The route tester: type a number dialled from an endpoint, see the route the dial plan picks and why. */
import { useState } from 'preact/hooks';
import { api } from '../api/http-client.ts';
import type { RouteDecision } from '../api/types.ts';
import { useAction } from './action.ts';
import { Badge, Notice } from './status.tsx';

export function RouteTester() {
  const [source, setSource] = useState('fxs1');
  const [number, setNumber] = useState('');
  const [decision, setDecision] = useState<RouteDecision | undefined>(undefined);
  const action = useAction();
  const test = (event: Event) => {
    event.preventDefault();
    setDecision(undefined);
    const q = new URLSearchParams({ source: source.trim(), number: number.trim() });
    void action.run(async () => setDecision(await api.get<RouteDecision>(`/api/v1/calls/route?${q}`)));
  };
  return (
    <form class="card" onSubmit={test} aria-labelledby="route-tester-title">
      <h2 id="route-tester-title">Route tester</h2>
      <div class="inline-form">
        <label for="rt-source">Dialled from</label>
        <input id="rt-source" value={source} onInput={(e) => setSource(e.currentTarget.value)} required />
        <label for="rt-number">Number</label>
        <input
          id="rt-number"
          inputMode="tel"
          pattern="[0-9*#+]+"
          value={number}
          onInput={(e) => setNumber(e.currentTarget.value)}
          required
        />
        <button type="submit" disabled={action.busy}>
          Test route
        </button>
      </div>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {decision && (
        <div aria-live="polite" data-field="route-decision">
          <p>
            <Badge tone={decision.result === 'route' ? 'ok' : 'bad'}>
              {decision.result === 'route' ? 'Routed' : 'Rejected'}
            </Badge>{' '}
            {decision.route ? (
              <>
                by route <strong>{decision.route}</strong>
              </>
            ) : (
              'no route'
            )}
          </p>
          <p class="muted">{decision.why}</p>
          {decision.targets && decision.targets.length > 0 && (
            <ul>
              {decision.targets.map((t) => (
                <li key={`${t.endpoint}-${t.number}`}>
                  {t.endpoint} dials {t.number || '(no digits)'}
                </li>
              ))}
            </ul>
          )}
          {decision.result === 'reject' && (
            <p>
              Cause {decision.cause}
              {decision.sipStatus ? `, SIP ${decision.sipStatus}` : ''}
              {decision.tone ? `, caller hears ${decision.tone}` : ''}
            </p>
          )}
        </div>
      )}
    </form>
  );
}
