// The signed-in token: in sessionStorage only (never localStorage, never a URL), so it is
// gone when the tab closes. A 401 from any call signs out and returns to the sign-in screen.
import { useEffect, useState } from "preact/hooks";

const KEY = "tenantpilot.token";
type Listener = () => void;
const listeners = new Set<Listener>();
let expiredNotice = false;

function notify() {
  for (const listener of listeners) listener();
}

export const session = {
  token(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(token: string) {
    sessionStorage.setItem(KEY, token);
    expiredNotice = false;
    notify();
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    notify();
  },
  /** A 401: the token is unknown or revoked. */
  expired() {
    if (!sessionStorage.getItem(KEY)) return;
    sessionStorage.removeItem(KEY);
    expiredNotice = true;
    notify();
  },
  wasExpired(): boolean {
    return expiredNotice;
  },
};

export function useToken(): string | null {
  const [token, setToken] = useState(session.token());
  useEffect(() => {
    const listener = () => setToken(session.token());
    listeners.add(listener);
    // a 401 may have signed out between the first render and this subscription
    listener();
    return () => void listeners.delete(listener);
  }, []);
  return token;
}
