// A community's live updates (EventService.WatchCommunity, a gRPC-Web server stream) for
// as long as the page shows it: devices going online and offline, events as devices report
// them. The stream is opened again after it ends (it lives an hour at most) or fails,
// waiting longer each time; `onResync` runs when updates may have been missed, so the page
// reloads what it shows.
import { useEffect, useRef } from "preact/hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import { EventService, type CommunityUpdate } from "../gen/porter/admin/v1/admin_pb";
import { client } from "../api";

export function useLive(communityId: bigint | undefined, onUpdate: (u: CommunityUpdate) => void, onResync: () => void) {
  const handlers = useRef({ onUpdate, onResync });
  handlers.current = { onUpdate, onResync };
  useEffect(() => {
    if (communityId === undefined) return;
    const stop = new AbortController();
    void (async () => {
      let wait = 1000;
      let first = true;
      while (!stop.signal.aborted) {
        try {
          const stream = client(EventService).watchCommunity({ communityId }, { signal: stop.signal });
          // Whatever happened while no stream was open is only in a fresh load.
          if (!first) handlers.current.onResync();
          first = false;
          for await (const update of stream) {
            wait = 1000;
            if (update.update.case === "resync") handlers.current.onResync();
            else handlers.current.onUpdate(update);
          }
        } catch (err) {
          if (stop.signal.aborted) return;
          const code = ConnectError.from(err).code;
          // No session, or not this installer's community: nothing to come back for.
          if (code === Code.Unauthenticated || code === Code.NotFound || code === Code.PermissionDenied) return;
        }
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 30_000);
      }
    })();
    return () => stop.abort();
  }, [communityId]);
}
