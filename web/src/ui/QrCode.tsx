// A QR code drawn as SVG in the page (no image request, no canvas): one path of the dark
// modules, with the four-module quiet zone scanners need. `qrcode-generator` does the
// encoding (Reed-Solomon, masks); the drawing is ours so no markup string is injected.
import qrcode from "qrcode-generator";

const QUIET = 4;

export function QrCode(props: { value: string; label: string; size?: number }) {
  const qr = qrcode(0, "M");
  qr.addData(props.value, /^\d+$/.test(props.value) ? "Numeric" : "Byte");
  qr.make();
  const n = qr.getModuleCount();
  let path = "";
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (qr.isDark(row, col)) path += `M${col + QUIET} ${row + QUIET}h1v1h-1z`;
    }
  }
  const side = n + 2 * QUIET;
  const size = props.size ?? 192;
  return (
    <svg class="qr" role="img" aria-label={props.label} viewBox={`0 0 ${side} ${side}`} width={size} height={size} shape-rendering="crispEdges">
      <rect width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
