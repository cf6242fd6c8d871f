// Signing in: paste an API token. It is checked with GET /api/v1/me before it is kept.
import { useState } from "preact/hooks";
import { localProblem, type Problem } from "../api/client";
import { ProblemMessage } from "../components/problem";
import { Field, described } from "../components/field";
import { session } from "../session";
import { useEffect } from "preact/hooks";

export function SignIn() {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = "Sign in · TenantPilot";
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    // Checked with a plain fetch: the client's middleware would treat the 401 of a wrong
    // token as "signed out" (which it is not yet: nobody signed in).
    try {
      const response = await fetch("/api/v1/me", {
        headers: { Authorization: `Bearer ${token.trim()}` },
      });
      if (response.ok) {
        session.signIn(token.trim());
        return;
      }
      setProblem((await response.json()) as Problem);
    } catch (error) {
      setProblem(localProblem("No connection to the service", String(error)));
    } finally {
      setBusy(false);
    }
  }

  const errors = problem?.status === 401 ? ["This token is unknown or revoked."] : [];
  return (
    <main id="main" class="narrow">
      <h1>Sign in to TenantPilot</h1>
      {session.wasExpired() ? (
        <p class="notice" role="status">
          Your token was refused (revoked or unknown): sign in again.
        </p>
      ) : null}
      <form onSubmit={submit}>
        <Field
          id="token"
          label="API token"
          errors={errors}
          hint="An API token (tokens are issued under Tokens, or printed by `tenantpilot serve --demo`). It is kept in this tab only."
        >
          <input
            {...described("token", errors, true)}
            type="password"
            autoComplete="off"
            spellcheck={false}
            required
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
        </Field>
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {problem && problem.status !== 401 ? <ProblemMessage problem={problem} /> : null}
      </form>
    </main>
  );
}
