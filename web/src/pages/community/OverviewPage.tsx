// A community at a glance: its devices online and offline by type, upgrades under way,
// apartments by service state (those ending within 30 days first), and door openings per
// day over two weeks as a chart with its numbers in a table. Each links to its list.
import { Code } from "@connectrpc/connect";
import { ActiveStatus, CommunityService, UpgradeStatus, type CommunityOverview, type DoorDay } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { Link } from "../../router";
import { LoadProblem } from "../../ui/LoadProblem";
import { formatCount } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { NotFound } from "../NotFound";
import { mayReadLogs } from "../../session";
import { deviceTypeLabel } from "../devices/labels";
import { CommunityNav } from "./CommunityNav";
import { DoorChart } from "./DoorChart";

export function OverviewPage(props: { id: string }) {
  const id = BigInt(props.id);
  const loaded = useLoad(async () => {
    const [community, overview] = await Promise.all([
      client(CommunityService).getCommunity({ id }),
      client(CommunityService).getCommunityOverview({ id }),
    ]);
    return { community, overview };
  }, [props.id]);
  if (loaded.error?.code === Code.NotFound) return <NotFound />;
  if (loaded.error) return <LoadProblem problem={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) return <p aria-busy="true">{t("app.loading")}</p>;
  const { community, overview } = loaded.data;
  const base = `/communities/${props.id}`;
  return (
    <>
      <CommunityNav communityId={props.id} name={community.name} current="overview" />
      <div class="page-head">
        <h1>{t("ov.title", { name: community.name })}</h1>
        <button type="button" onClick={loaded.reload} aria-busy={loaded.loading}>
          {t("up.refresh")}
        </button>
      </div>
      <div class="overview">
        <Devices overview={overview} base={base} />
        <section class="panel" aria-labelledby="ov-upgrades">
          <h2 id="ov-upgrades">{t("up.title")}</h2>
          <p>
            <Link href={`${base}/upgrades?status=${UpgradeStatus.PROCESSING}`}>{t("ov.upgrades.processing", { count: overview.upgradesProcessing })}</Link>
          </p>
          <p>
            <Link href={`${base}/upgrades?status=${UpgradeStatus.PENDING}`}>{t("ov.upgrades.pending", { count: overview.upgradesPending })}</Link>
          </p>
        </section>
        <Apartments overview={overview} base={base} />
      </div>
      <section class="panel" aria-labelledby="ov-doors">
        <h2 id="ov-doors">{t("ov.doors")}</h2>
        <DoorChart days={overview.doorDays} />
        {!overview.doorDaysComplete && <p class="help">{t("ov.doors.partial")}</p>}
        <DoorTable days={overview.doorDays} />
        {mayReadLogs(community.id) && (
          <p>
            <Link href={`${base}/residents?tab=events`}>{t("ov.doors.log")}</Link>
          </p>
        )}
      </section>
    </>
  );
}

function Devices(props: { overview: CommunityOverview; base: string }) {
  const rows = props.overview.devices;
  return (
    <section class="panel" aria-labelledby="ov-devices">
      <h2 id="ov-devices">{t("dev.tab")}</h2>
      {rows.length === 0 ? (
        <p>{t("ov.devices.none")}</p>
      ) : (
        <table>
          <caption class="visually-hidden">{t("ov.devices.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("dev.col.type")}</th>
              <th scope="col">{t("dev.online")}</th>
              <th scope="col">{t("dev.offline")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.deviceType}>
                <th scope="row">{deviceTypeLabel(r.deviceType)}</th>
                <td data-status="online">{formatCount(r.online)}</td>
                <td data-status={r.offline > 0 ? "offline" : undefined}>{formatCount(r.offline)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <Link href={`${props.base}/residents?tab=devices&building=public`}>{t("ov.devices.list")}</Link>
      </p>
    </section>
  );
}

function Apartments(props: { overview: CommunityOverview; base: string }) {
  const o = props.overview;
  const residents = (active: ActiveStatus) => `${props.base}/residents?tab=residents&active=${active}`;
  return (
    <section class="panel" aria-labelledby="ov-apartments">
      <h2 id="ov-apartments">{t("ov.apartments", { count: o.apartments })}</h2>
      <p>
        <Link href={`${props.base}/subscriptions`}>{t("ov.expiring", { count: o.apartmentsExpiring })}</Link>
      </p>
      <p>
        <Link href={residents(ActiveStatus.EXPIRED)}>{t("ov.expired", { count: o.apartmentsExpired })}</Link>
      </p>
      <p>
        <Link href={residents(ActiveStatus.INACTIVATED)}>{t("ov.inactivated", { count: o.apartmentsInactivated })}</Link>
      </p>
    </section>
  );
}

/** The chart's numbers, for reading them exactly and for screen readers. */
function DoorTable(props: { days: DoorDay[] }) {
  return (
    <details>
      <summary>{t("ov.doors.table")}</summary>
      <table>
        <caption class="visually-hidden">{t("ov.doors")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("ov.day")}</th>
            <th scope="col">{t("ov.opened")}</th>
            <th scope="col">{t("ov.refused")}</th>
          </tr>
        </thead>
        <tbody>
          {props.days.map((d) => (
            <tr key={d.day}>
              <th scope="row">{d.day}</th>
              <td>{formatCount(d.opened)}</td>
              <td>{formatCount(d.refused)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
