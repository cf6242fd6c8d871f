// The notifications panel (the plan's database notifications): unread first, mark one or
// all read (the header's count follows), each linking to its run, schedule, webhook or restore.
import { useState } from "preact/hooks";
import { api, run, type Schemas } from "../api/client";
import { ActionButton } from "../components/action";
import { notificationsChanged } from "../components/header";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";

type Notification = Schemas["NotificationResponse"];

export function Notifications() {
  const paging = useCursor();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useLoad(
    () => run(api.GET("/api/v1/notifications", { params: { query: { limit: 25, cursor: paging.cursor, ...(unreadOnly ? { unread: true } : {}) } } })),
    [paging.cursor, unreadOnly],
  );
  const changed = async () => {
    notificationsChanged();
    await list.reload();
  };
  return (
    <Screen
      title="Notifications"
      actions={
        list.data && list.data.unread_count > 0 ? (
          <ActionButton label="Mark all read" action={() => run(api.POST("/api/v1/notifications/read-all"))} onDone={changed} />
        ) : null
      }
    >
      <p>
        {list.data ? `${list.data.unread_count} unread.` : null}{" "}
        <label class="inline">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => {
              paging.first();
              setUnreadOnly(e.currentTarget.checked);
            }}
          />{" "}
          Unread only
        </label>
      </p>
      <ProblemMessage problem={list.problem} />
      {!list.data ? (
        list.problem ? null : <Loading what="notifications" />
      ) : list.data.items.length === 0 ? (
        <p>No notifications.</p>
      ) : (
        <ul class="notifications">
          {list.data.items.map((item) => (
            <NotificationItem key={item.id} item={item} changed={changed} />
          ))}
        </ul>
      )}
      <Pager label="Notifications" page={paging.page} nextCursor={list.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}

function NotificationItem({ item, changed }: { item: Notification; changed: () => Promise<void> }) {
  const runLink = item.run_id && item.tenant_id ? `/tenants/${item.tenant_id}/runs/${item.run_id}` : null;
  const scheduleLink = item.schedule_id && item.tenant_id ? `/tenants/${item.tenant_id}/schedules/${item.schedule_id}` : null;
  const webhookId = item.links.webhook?.split("/").pop();
  // the API's link to a restore (/api/v1/tenants/{t}/restores/{r}) is the console's path under /api/v1
  const restoreLink = item.links.restore?.replace(/^\/api\/v1/, "") ?? null;
  return (
    <li class={item.read_at ? "read" : "unread"}>
      <h2 class="h3">
        {item.read_at ? null : <span class="badge">Unread</span>} {item.title}
      </h2>
      <p>{item.message}</p>
      <p class="meta">
        <Time iso={item.created_at} />
        {runLink ? <a href={runLink}>Open the run</a> : null}
        {scheduleLink ? <a href={scheduleLink}>Open the schedule</a> : null}
        {webhookId ? <a href={`/webhooks/${webhookId}`}>Open the webhook</a> : null}
        {restoreLink ? <a href={restoreLink}>Open the restore</a> : null}
        {item.read_at ? null : (
          <ActionButton
            label="Mark read"
            action={() => run(api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: item.id } } }))}
            onDone={changed}
          />
        )}
      </p>
    </li>
  );
}
