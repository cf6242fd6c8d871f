// The one API client: openapi-fetch over the types generated from openapi/openapi.json.
// Middleware adds the bearer token, turns a 401 into "sign in again" and reports lost
// connections (a failed fetch or a 503) to the banner.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { connectionLost, connectionOk } from "../connection";
import { session } from "../session";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) session.expired();
    if (response.status === 503) connectionLost();
    else connectionOk();
    return response;
  },
  onError({ error }) {
    connectionLost();
    return error instanceof Error ? error : new Error(String(error));
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

/** What every call gives a screen: the body, or the problem to show where the user acted. */
export type Outcome<T> =
  | { ok: true; data: T; response: Response }
  | { ok: false; problem: Problem; response?: Response };

/** A problem for failures that have no problem document (no connection, a non-JSON body). */
export function localProblem(title: string, detail: string, status = 0): Problem {
  return { type: "about:blank", title, detail, status, code: "internal" } as Problem;
}

/** Awaits an openapi-fetch call and folds its three shapes (data, error, thrown) into one. */
export async function run<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Outcome<T>> {
  try {
    const { data, error, response } = await call;
    if (response.ok) return { ok: true, data: data as T, response };
    if (error && typeof error === "object" && "title" in error) {
      return { ok: false, problem: error as Problem, response };
    }
    return {
      ok: false,
      problem: localProblem(`HTTP ${response.status}`, response.statusText, response.status),
      response,
    };
  } catch (error) {
    return {
      ok: false,
      problem: localProblem(
        "No connection to the service",
        error instanceof Error ? error.message : String(error),
      ),
    };
  }
}

/** The `If-Match` header for a resource's version (its `ETag` is the quoted version). */
export function ifMatch(version: number): { "If-Match": string } {
  return { "If-Match": `"${version}"` };
}
