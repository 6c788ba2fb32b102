// Names of an order's type and status, as the Payments page shows them.
import { OrderKind, OrderStatus } from "../../gen/porter/admin/v1/admin_pb";
import { t, type MessageKey } from "../../i18n";

export const KINDS = [OrderKind.ACTIVATION, OrderKind.RENEWAL];
export const STATUSES = [OrderStatus.PROCESSING, OrderStatus.SUCCEED, OrderStatus.CANCELLED];

export const kindLabel = (k: OrderKind) => t(`sub.kind.${k}` as MessageKey);
export const statusLabel = (s: OrderStatus) => t(`sub.status.${s}` as MessageKey);
