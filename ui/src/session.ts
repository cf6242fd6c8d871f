// The signed-in token: in sessionStorage only (never localStorage, never a URL), so it is
// gone when the tab closes. A 401 from any call signs out and returns to the sign-in screen.
import { useEffect, useState } from "preact/hooks";

const KEY = "tenantpilot.token";
// Set when a 401 signed the tab out, so the sign-in screen says why even after a reload or
// a typed URL (a background poll may be the call that met the revocation).
const EXPIRED = "tenantpilot.token-refused";
type Listener = () => void;
const listeners = new Set<Listener>();

function notify() {
  for (const listener of listeners) listener();
}

export const session = {
  token(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(token: string) {
    sessionStorage.setItem(KEY, token);
    sessionStorage.removeItem(EXPIRED);
    notify();
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(EXPIRED);
    notify();
  },
  /** A 401: the token is unknown or revoked. */
  expired() {
    if (!sessionStorage.getItem(KEY)) return;
    sessionStorage.removeItem(KEY);
    sessionStorage.setItem(EXPIRED, "1");
    notify();
  },
  wasExpired(): boolean {
    return sessionStorage.getItem(EXPIRED) !== null;
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
