// An apartment's own devices on its page: the intercom devices (indoor monitors, the
// apartment's door phone), with a way to add one there, and its third-party cameras.
import { Code } from "@connectrpc/connect";
import { DeviceService, type Apartment, type Community } from "../../gen/porter/admin/v1/admin_pb";
import { client } from "../../api";
import { t } from "../../i18n";
import { Link } from "../../router";
import { LoadProblem } from "../../ui/LoadProblem";
import { SortableTable } from "../../ui/SortableTable";
import { communityTimeStyle } from "../../ui/format";
import { useLoad } from "../../ui/useLoad";
import { CameraList } from "../devices/CameraList";
import { deviceColumns } from "../devices/DeviceList";
import { isPropertyManager } from "../../session";

export function ApartmentDevices(props: { community: Community; apartment: Apartment }) {
  const { community, apartment } = props;
  const time = communityTimeStyle(community);
  const devices = useLoad(
    () => client(DeviceService).listDevices({ communityId: community.id, apartmentId: apartment.id, page: { page: 1, pageSize: 100 } }),
    [apartment.id],
  );
  return (
    <>
      <section aria-labelledby="apt-devices-title">
        <div class="page-head">
          <h2 id="apt-devices-title">{t("dev.tab")}</h2>
          {!isPropertyManager() && (
            <Link href={`/communities/${community.id}/devices/new?scope=apt:${apartment.id}&building=${apartment.buildingId}`} class="button">
              {t("apt.devices.add")}
            </Link>
          )}
        </div>
        {devices.error && devices.error.code !== Code.NotFound && <LoadProblem problem={devices.error} retry={devices.reload} />}
        {devices.data && (
          <SortableTable
            caption={t("apt.devices.caption", { apt: apartment.aptNumber })}
            rows={devices.data.devices}
            rowKey={(d) => String(d.id)}
            initialSort={{ key: "name" }}
            empty={t("dev.none")}
            columns={deviceColumns(community.id, time, (d) => d.online, (d) => d.lastConnectionMs)}
          />
        )}
      </section>
      <section aria-labelledby="apt-cameras-title">
        <h2 id="apt-cameras-title">{t("cam.tab")}</h2>
        <CameraList communityId={community.id} scope={{ kind: "apartment", id: apartment.id }} time={time} />
      </section>
    </>
  );
}
