/**
 * The shell: decides between first-boot setup, login and the app; holds the
 * navigation (sidebar on wide screens, a menu button on phones), the live
 * link indicator and logout.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLive } from './api/hooks.ts';
import { ApiError, api, setCsrfToken, setUnauthorizedHandler } from './api/http-client.ts';
import { liveLink } from './api/live-socket.ts';
import type { SessionInfo, SystemInfo } from './api/types.ts';
import { Link } from './components/link.tsx';
import { Notice } from './components/status.tsx';
import { CallsPage } from './pages/calls-page.tsx';
import { ConfigPage } from './pages/config-page.tsx';
import { DashboardPage } from './pages/dashboard-page.tsx';
import { DiagnosticsPage } from './pages/diagnostics-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { SetupPage } from './pages/setup-page.tsx';
import { SimulatorPage } from './pages/simulator-page.tsx';
import { SmsPage } from './pages/sms-page.tsx';
import { SystemPage } from './pages/system-page.tsx';
import { WizardPage } from './pages/wizard-page.tsx';
import { navigate, usePath } from './router.ts';

type AuthState =
  | { phase: 'checking' }
  | { phase: 'setup' }
  | { phase: 'login'; message?: string }
  | { phase: 'in'; session: SessionInfo }
  | { phase: 'offline'; message: string };

interface NavItem {
  href: string;
  label: string;
  simOnly?: boolean;
}

const NAV: NavItem[] = [
  { href: '/', label: 'Dashboard' },
  { href: '/simulator', label: 'Simulator', simOnly: true },
  { href: '/sms', label: 'SMS' },
  { href: '/calls', label: 'Calls' },
  { href: '/config', label: 'Configuration' },
  { href: '/diagnostics', label: 'Diagnostics' },
  { href: '/system', label: 'System' },
];

export function App() {
  const [auth, setAuth] = useState<AuthState>({ phase: 'checking' });

  const check = async () => {
    try {
      const session = await api.get<SessionInfo>('/api/v1/auth/session', { quiet401: true });
      setCsrfToken(session.csrfToken);
      setAuth({ phase: 'in', session });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        try {
          const { setupRequired } = await api.get<{ setupRequired: boolean }>('/api/v1/auth/login', {
            quiet401: true,
          });
          setAuth(setupRequired ? { phase: 'setup' } : { phase: 'login' });
        } catch (inner) {
          setAuth({ phase: 'offline', message: (inner as Error).message });
        }
      } else setAuth({ phase: 'offline', message: (err as Error).message });
    }
  };

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(undefined);
      liveLink.stop();
      setAuth({ phase: 'login', message: 'Your session ended. Log in again.' });
    });
    void check();
  }, []);

  useEffect(() => {
    if (auth.phase === 'in') liveLink.start();
    else liveLink.stop();
  }, [auth.phase]);

  const loggedIn = (csrfToken: string, firstBoot: boolean) => {
    setCsrfToken(csrfToken);
    setAuth({ phase: 'in', session: { username: 'admin', kind: 'session', csrfToken } });
    navigate(firstBoot ? '/welcome' : location.pathname === '/login' ? '/' : location.pathname, {
      replace: true,
    });
  };

  const logout = async () => {
    try {
      await api.post('/api/v1/auth/logout');
    } catch {
      // the session may be gone already; the login page is right either way
    }
    setCsrfToken(undefined);
    setAuth({ phase: 'login', message: 'You are logged out.' });
  };

  const endedEverywhere = () => {
    setCsrfToken(undefined);
    setAuth({ phase: 'login', message: 'Every session was ended. Log in again.' });
  };

  // Marks when the first real screen is on the page (read by the load-time test).
  useEffect(() => {
    if (auth.phase !== 'checking' && performance.getEntriesByName('linegate:ready').length === 0)
      performance.mark('linegate:ready');
  }, [auth.phase]);

  switch (auth.phase) {
    case 'checking':
      return (
        <main class="center-page" id="main">
          <p class="muted">Connecting to the box…</p>
        </main>
      );
    case 'offline':
      return (
        <main class="center-page" id="main">
          <h1>Linegate</h1>
          <Notice kind="error">The box did not answer: {auth.message}</Notice>
          <button type="button" onClick={() => void check()}>
            Try again
          </button>
        </main>
      );
    case 'setup':
      return <SetupPage onDone={(csrf) => loggedIn(csrf, true)} />;
    case 'login':
      return <LoginPage message={auth.message} onLoggedIn={(csrf) => loggedIn(csrf, false)} />;
    case 'in':
      return <Shell onLogout={() => void logout()} onEndedEverywhere={endedEverywhere} />;
  }
}

function Shell(props: { onLogout: () => void; onEndedEverywhere: () => void }) {
  const path = usePath();
  const live = useLive();
  const [menuOpen, setMenuOpen] = useState(false);
  const [system, setSystem] = useState<SystemInfo | undefined>(undefined);
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    api
      .get<SystemInfo>('/api/v1/system')
      .then(setSystem)
      .catch(() => undefined);
  }, []);

  // On navigation: close the phone menu and move focus to the new page's heading.
  useEffect(() => {
    setMenuOpen(false);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }, [path]);

  const isSim = system?.board === 'sim';
  const section = path.split('/')[1] ?? '';
  const items = NAV.filter((n) => !n.simOnly || isSim);

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <span class="brand">Linegate</span>
        {system && <span class="device muted">{system.deviceId}</span>}
        <span class={`link-status link-${live.status}`} role="status" title="Live updates">
          {live.status === 'live'
            ? 'Live'
            : live.status === 'connecting'
              ? 'Connecting…'
              : 'Live updates unavailable'}
        </span>
        <button type="button" class="secondary" onClick={props.onLogout}>
          Log out
        </button>
      </header>
      <nav id="main-nav" aria-label="Main" class={menuOpen ? 'nav open' : 'nav'}>
        <ul>
          {items.map((item) => (
            <li key={item.href}>
              <Link href={item.href} current={`/${section}` === item.href}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page path={path} system={system} onEndedEverywhere={props.onEndedEverywhere} />
      </main>
    </div>
  );
}

function Page(props: { path: string; system: SystemInfo | undefined; onEndedEverywhere: () => void }) {
  const parts = props.path.split('/').filter(Boolean);
  switch (parts[0] ?? '') {
    case '':
      return <DashboardPage />;
    case 'welcome':
      return <WizardPage />;
    case 'simulator':
      return <SimulatorPage system={props.system} />;
    case 'sms':
      return <SmsPage tab={parts[1]} />;
    case 'calls':
      return <CallsPage />;
    case 'config':
      return <ConfigPage section={parts[1]} />;
    case 'diagnostics':
      return <DiagnosticsPage />;
    case 'system':
      return <SystemPage system={props.system} onEndedEverywhere={props.onEndedEverywhere} />;
    case 'login':
      navigate('/', { replace: true });
      return null;
    default:
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            There is no page at <code>{props.path}</code>. <Link href="/">Go to the dashboard</Link>.
          </p>
        </section>
      );
  }
}
