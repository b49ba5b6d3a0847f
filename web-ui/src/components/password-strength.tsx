/**
 * The admin password rules (mirrors the daemon's: at least 10 characters, two
 * character classes, not one repeated character) and a strength meter.
 */
export const MIN_PASSWORD_LENGTH = 10;

export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) problems.push(`at least ${MIN_PASSWORD_LENGTH} characters`);
  if (characterClasses(password) < 2)
    problems.push('at least two of: lower case, upper case, digits, symbols');
  if (password.length > 0 && /^(.)\1+$/.test(password)) problems.push('not one repeated character');
  return problems;
}

function characterClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
}

/** 0..4: length and variety, minus obvious patterns. */
export function passwordScore(password: string): number {
  if (!password) return 0;
  let score = 0;
  if (password.length >= MIN_PASSWORD_LENGTH) score++;
  if (password.length >= 14) score++;
  score += Math.max(0, characterClasses(password) - 1);
  if (/(.)\1\1/.test(password) || /^(?:password|linegate|admin|123456)/i.test(password)) score--;
  if (passwordProblems(password).length) score = Math.min(score, 1);
  return Math.max(0, Math.min(4, score));
}

const LABELS = ['too weak', 'weak', 'fair', 'good', 'strong'];

export function PasswordStrength(props: { password: string; id: string }) {
  const score = passwordScore(props.password);
  const problems = passwordProblems(props.password);
  return (
    <div class="strength" id={props.id}>
      <meter
        min={0}
        max={4}
        low={2}
        high={3}
        optimum={4}
        value={score}
        aria-label="Password strength"
        class={`strength-meter strength-${score}`}
      />
      <span class="strength-label">Strength: {LABELS[score]}</span>
      {props.password && problems.length > 0 && <span class="field-hint"> Needs {problems.join('; ')}.</span>}
    </div>
  );
}
