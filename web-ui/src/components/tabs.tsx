import { Link } from './link.tsx';

/** Sub-page navigation as links (each tab has its own URL, so reload and back work). */
export function TabLinks(props: { label: string; tabs: { href: string; label: string }[]; current: string }) {
  return (
    <nav aria-label={props.label} class="tabs">
      {props.tabs.map((t) => (
        <Link key={t.href} href={t.href} current={t.href === props.current} class="tab">
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
