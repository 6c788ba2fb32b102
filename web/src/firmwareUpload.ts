// Uploads a firmware image through the admin API's own UploadFirmware call (a client
// stream over gRPC-Web), so the browser's upload gets exactly the checks the CLI's does.
// connect-web cannot send a client stream, so the request is put together here: the body
// is a Blob of gRPC-Web envelopes whose chunks are slices of the chosen File, so the
// browser reads the image from disk as it sends and never holds it whole; XHR gives the
// progress. Messages are encoded by @bufbuild/protobuf, envelopes and trailers by
// @connectrpc/connect's protocol helpers.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { requestHeader, trailerFlag, trailerParse, validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc-web";
import {
  FirmwareSchema,
  FirmwareService,
  UploadFirmwareRequestSchema,
  type Firmware,
  type FirmwareHeader,
} from "./gen/porter/admin/v1/admin_pb";
import { currentSession, endSession } from "./session";

/** Bytes of image per message: the API takes at most 4 MiB a message. */
const CHUNK_BYTES = 1 << 20;
/** The field number of `UploadFirmwareRequest.chunk`. */
const CHUNK_FIELD = UploadFirmwareRequestSchema.fields.find((f) => f.localName === "chunk")!.number;

export interface UploadProgress {
  sent: number;
  total: number;
}

/** The request body: the header message, then the file in 1 MiB chunk messages. */
function requestBody(header: FirmwareHeader, file: Blob): Blob {
  const first = create(UploadFirmwareRequestSchema, { part: { case: "header", value: header } });
  const parts: BlobPart[] = [encodeEnvelope(0, toBinary(UploadFirmwareRequestSchema, first))];
  for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
    const slice = file.slice(offset, Math.min(offset + CHUNK_BYTES, file.size));
    // The chunk message is its field's tag and length, then the bytes themselves.
    const head = new BinaryWriter().tag(CHUNK_FIELD, WireType.LengthDelimited).uint32(slice.size).finish();
    const envelope = new Uint8Array(5 + head.length);
    new DataView(envelope.buffer).setUint32(1, head.length + slice.size);
    envelope.set(head, 5);
    parts.push(envelope, slice);
  }
  return new Blob(parts);
}

function responseHeaders(xhr: XMLHttpRequest): Headers {
  const headers = new Headers();
  for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** The Firmware the answer carries, or the ConnectError its status says. */
function parseAnswer(xhr: XMLHttpRequest): Firmware {
  const headers = responseHeaders(xhr);
  const { headerError } = validateResponse(xhr.status, headers);
  if (headerError) throw headerError;
  const bytes = new Uint8Array(xhr.response as ArrayBuffer);
  let firmware: Firmware | undefined;
  let trailer: Headers | undefined;
  for (let offset = 0; offset + 5 <= bytes.length; ) {
    const flags = bytes[offset];
    const length = new DataView(bytes.buffer, offset + 1, 4).getUint32(0);
    const data = bytes.subarray(offset + 5, offset + 5 + length);
    offset += 5 + length;
    if (flags & trailerFlag) trailer = trailerParse(data);
    else firmware = fromBinary(FirmwareSchema, data);
  }
  if (!trailer) throw new ConnectError("the answer ended before its status", Code.Unavailable);
  validateTrailer(trailer, headers);
  if (!firmware) throw new ConnectError("the answer carried no firmware", Code.Internal);
  return firmware;
}

/** Sends `file` with `header`; resolves with the stored Firmware or rejects with a ConnectError. */
export function uploadFirmware(
  header: FirmwareHeader,
  file: File,
  onProgress: (p: UploadProgress) => void,
  signal: AbortSignal,
): Promise<Firmware> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${window.location.origin}/${FirmwareService.typeName}/${FirmwareService.method.uploadFirmware.name}`);
    const session = currentSession();
    const headers = requestHeader(true, undefined, session ? { authorization: `Bearer ${session.token}` } : undefined, false);
    headers.forEach((value, name) => xhr.setRequestHeader(name, value));
    xhr.responseType = "arraybuffer";
    const body = requestBody(header, file);
    xhr.upload.onprogress = (e) => onProgress({ sent: Math.min(e.loaded, body.size), total: body.size });
    xhr.onload = () => {
      try {
        resolve(parseAnswer(xhr));
      } catch (err) {
        const e = ConnectError.from(err);
        if (session && e.code === Code.Unauthenticated) endSession("expired");
        reject(e);
      }
    };
    xhr.onerror = () => reject(new ConnectError("", Code.Unavailable));
    xhr.onabort = () => reject(new ConnectError("upload cancelled", Code.Canceled));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}
