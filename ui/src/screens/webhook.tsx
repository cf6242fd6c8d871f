// A webhook: its settings, enable/disable (If-Match), and its deliveries log with
// redelivery of a message.
import { useRoute } from "preact-iso";
import { api, ifMatch, run } from "../api/client";
import { useCan } from "../caller";
import { ActionButton } from "../components/action";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { duration, Time } from "../components/time";

export function Webhook() {
  const { params } = useRoute();
  const webhookId = params.webhook!;
  const canManage = useCan("manage_webhooks");
  const paging = useCursor();
  const hook = useLoad(() => run(api.GET("/api/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: webhookId } } })), [webhookId]);
  const deliveries = useLoad(
    () => run(api.GET("/api/v1/webhooks/{webhook_id}/deliveries", { params: { path: { webhook_id: webhookId }, query: { limit: 50, cursor: paging.cursor } } })),
    [webhookId, paging.cursor],
  );
  const h = hook.data;
  const stale = h
    ? {
        seen: h as unknown as Record<string, unknown>,
        current: async () => {
          const outcome = await run(api.GET("/api/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: webhookId } } }));
          return outcome.ok ? outcome.data : undefined;
        },
        reload: hook.reload,
      }
    : undefined;
  return (
    <Screen
      title={h?.url ?? "Webhook"}
      crumbs={[{ href: "/webhooks", label: "Webhooks" }]}
      actions={
        h && canManage ? (
          h.enabled ? (
            <ActionButton label="Disable" stale={stale} action={() => run(api.POST("/api/v1/webhooks/{webhook_id}/disable", { params: { path: { webhook_id: webhookId }, header: ifMatch(h.version) } }))} onDone={() => void hook.reload()} />
          ) : (
            <ActionButton label="Enable" stale={stale} action={() => run(api.POST("/api/v1/webhooks/{webhook_id}/enable", { params: { path: { webhook_id: webhookId }, header: ifMatch(h.version) } }))} onDone={() => void hook.reload()} />
          )
        ) : null
      }
    >
      <ProblemMessage problem={hook.problem} />
      {h ? (
        <dl class="facts">
          <dt>Events</dt>
          <dd>{h.event_types.join(", ")}</dd>
          <dt>Tenants</dt>
          <dd>{h.tenant_ids ? h.tenant_ids.join(", ") : "every tenant"}</dd>
          <dt>Enabled</dt>
          <dd>{h.enabled ? "Yes" : `No${h.disabled_reason ? ` (${h.disabled_reason})` : ""}`}</dd>
          <dt>Failing since</dt>
          <dd>
            <Time iso={h.failing_since} />
          </dd>
        </dl>
      ) : hook.problem ? null : (
        <Loading what="the webhook" />
      )}
      <h2>Deliveries</h2>
      <ProblemMessage problem={deliveries.problem} />
      {!deliveries.data ? (
        deliveries.problem ? null : <Loading what="deliveries" />
      ) : deliveries.data.items.length === 0 ? (
        <p>No deliveries yet.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Delivery attempts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Attempt</th>
                <th scope="col">Took</th>
                {canManage ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {deliveries.data.items.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <Time iso={delivery.attempted_at} />
                  </td>
                  <td>
                    {delivery.event_type}
                    <div class="muted">
                      <code>{delivery.message_id}</code>
                    </div>
                  </td>
                  <td>
                    {delivery.outcome}
                    {delivery.status_code ? ` (HTTP ${delivery.status_code})` : ""}
                    {delivery.error ? <div class="muted">{delivery.error}</div> : null}
                  </td>
                  <td>
                    {delivery.attempt} ({delivery.trigger})
                  </td>
                  <td>{duration(delivery.duration_ms)}</td>
                  {canManage ? (
                    <td>
                      <ActionButton
                        label="Redeliver"
                        action={() =>
                          run(api.POST("/api/v1/webhooks/{webhook_id}/messages/{message_id}/redeliver", { params: { path: { webhook_id: webhookId, message_id: delivery.message_id } } }))
                        }
                        onDone={() => void deliveries.reload()}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Deliveries" page={paging.page} nextCursor={deliveries.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}
