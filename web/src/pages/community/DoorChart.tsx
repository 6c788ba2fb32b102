// Door openings per day as stacked bars (opened, refused), drawn as SVG so it scales with
// the page and needs no chart library; the numbers are also in a table beside it.
import type { DoorDay } from "../../gen/porter/admin/v1/admin_pb";
import { t } from "../../i18n";
import { formatCount } from "../../ui/format";

const WIDTH = 700;
const HEIGHT = 220;
const LEFT = 40;
const BOTTOM = 24;
const TOP = 12;

export function DoorChart(props: { days: DoorDay[] }) {
  const { days } = props;
  const opened = days.reduce((n, d) => n + d.opened, 0);
  const refused = days.reduce((n, d) => n + d.refused, 0);
  const most = Math.max(1, ...days.map((d) => d.opened + d.refused));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT) / Math.max(1, days.length);
  const bar = slot * 0.6;
  const y = (n: number) => TOP + plotHeight - (n / most) * plotHeight;
  return (
    <figure class="door-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t("ov.chart", { days: days.length, opened: formatCount(opened), refused: formatCount(refused) })}>
        <line x1={LEFT} y1={TOP + plotHeight} x2={WIDTH} y2={TOP + plotHeight} class="axis" />
        <text x={LEFT - 6} y={y(most) + 4} text-anchor="end" class="tick">
          {formatCount(most)}
        </text>
        <text x={LEFT - 6} y={TOP + plotHeight} text-anchor="end" class="tick">
          0
        </text>
        {days.map((d, i) => {
          const x = LEFT + i * slot + (slot - bar) / 2;
          const top = y(d.opened + d.refused);
          return (
            <g key={d.day}>
              <title>{t("ov.chart.day", { day: d.day, opened: formatCount(d.opened), refused: formatCount(d.refused) })}</title>
              <rect x={x} y={y(d.opened)} width={bar} height={TOP + plotHeight - y(d.opened)} class="opened" />
              <rect x={x} y={top} width={bar} height={y(d.opened) - top} class="refused" />
              <text x={x + bar / 2} y={HEIGHT - 6} text-anchor="middle" class="tick">
                {d.day.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key opened" aria-hidden="true" /> {t("ov.opened")} <span class="key refused" aria-hidden="true" /> {t("ov.refused")}
      </figcaption>
    </figure>
  );
}
