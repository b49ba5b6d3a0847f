/** Runs a button's API call with a busy flag and an error message, then refreshes what it changed. */
import { useState } from 'preact/hooks';
import { describeError } from '../api/http-client.ts';

export function useAction(): {
  busy: boolean;
  error: string | undefined;
  message: string | undefined;
  run: (fn: () => Promise<unknown>, after?: () => void, success?: string) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  return {
    busy,
    error,
    message,
    clear: () => {
      setError(undefined);
      setMessage(undefined);
    },
    run: async (fn, after, success) => {
      setBusy(true);
      setError(undefined);
      setMessage(undefined);
      try {
        await fn();
        if (success) setMessage(success);
        return true;
      } catch (err) {
        setError(describeError(err));
        return false;
      } finally {
        setBusy(false);
        after?.();
      }
    },
  };
}
